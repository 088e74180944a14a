// DESIGN: "SQL must run on ClickHouse 18.16 and on current releases". The same
// migrations, projector rows, views and saved queries run here on the current
// engine (chdb, in-process) and on the 18.16 server globalSetup provides, in
// one test, and must answer row for row the same.
import { ClickHouseStore, migrate, sql } from '@tokenwarden/clickhouse';
import { EVENT_TYPE_NAMES, TokenwardenEvent } from '@tokenwarden/events';
import { toRow } from '../../apps/projector/src/projection/row-mapping';
import { applyRetention, RetentionResult } from '../../libs/clickhouse/src/retention';
import { recordPolicyLimits } from '../../libs/clickhouse/src/retention-policy-limits';
import { sampleEvent } from '../../libs/events/fixtures/samples';
import { setupDatabase } from '../clickhouse/clickhouse-env';
import { T0 } from '../analyst/dataset';
import { expectedRows } from '../analyst/saved-queries';
import { ChdbStore, SqlStore } from './chdb-store';
import { comparable, Comparison, SAVED_QUERIES, STATE_TABLES, VIEWS } from './comparisons';
import { firstDeliveries, redeliveries } from './morning-events';
import { feedProjector } from './projector-feed';

const FIRST_BATCH_AT = (T0 + 4 * 3600) * 1000;
const REDELIVERY_AT = FIRST_BATCH_AT + 3_600_000;
const NOW = Date.UTC(2025, 5, 15); // when migrations, the policy writer and retention run
const RETENTION_DAYS = 120; // cutoff 2025-02-15: key_events of 2024-10 and 2025-01 go, June stays

interface Side {
  readonly store: SqlStore;
  /** The analyst morning of test/analyst, through the projector. */
  readonly morning: string;
  /** Every event type's committed sample, through the projector. */
  readonly samples: string;
}

// With a Docker engine the whole suite already runs on a current release (the
// 25.8 container) and there is no 18.16 to compare with; infra/local and CI
// provide 18.16, and there the version check below refuses any other server.
const describeAgainst1816 = process.env.TW_TEST_INFRA_SOURCE === 'docker' ? describe.skip : describe;

describeAgainst1816('current ClickHouse (chdb) answers as 18.16 does', () => {
  let chdb: ChdbStore;
  let legacyStore: ClickHouseStore;
  let dropLegacy: () => Promise<void>;
  let current: Side;
  let legacy: Side;
  const versions = { current: '', legacy: '' };

  const migrateSide = async (side: Side, store: SqlStore) => {
    for (const database of [side.morning, side.samples]) {
      expect(await migrate(store, { database, now: () => NOW })).toEqual({ applied: [1, 2, 3, 4, 5, 6, 7], alreadyApplied: [] });
    }
  };
  const loadSide = async (side: Side) => {
    expect(await feedProjector(side.store, side.morning, firstDeliveries.map((m) => m.event), FIRST_BATCH_AT)).toEqual([]);
    expect(await feedProjector(side.store, side.morning, redeliveries.map((m) => m.event), REDELIVERY_AT)).toEqual([]);
    const samples = EVENT_TYPE_NAMES.map((type) => ({ type, value: sampleEvent(type) }) as TokenwardenEvent);
    for (const at of [FIRST_BATCH_AT, REDELIVERY_AT]) expect(await feedProjector(side.store, side.samples, samples, at)).toEqual([]);
  };
  const both = async (select: (side: Side) => string) => ({
    current: await current.store.query(select(current)),
    legacy: await legacy.store.query(select(legacy)),
  });

  beforeAll(async () => {
    chdb = ChdbStore.open();
    const env = await setupDatabase('ch_current');
    ({ store: legacyStore, drop: dropLegacy } = env);
    current = { store: chdb, morning: 'tw_morning', samples: 'tw_samples' };
    legacy = { store: legacyStore, morning: `${env.database}_morning`, samples: `${env.database}_samples` };
    versions.current = (await chdb.query<{ v: string }>('SELECT version() AS v'))[0].v;
    versions.legacy = (await legacyStore.query<{ v: string }>('SELECT version() AS v'))[0].v;
    await migrateSide(current, chdb);
    await migrateSide(legacy, legacyStore);
    await loadSide(current);
    await loadSide(legacy);
  });

  afterAll(async () => {
    chdb?.close();
    if (!legacyStore) return;
    for (const db of [legacy.morning, legacy.samples]) await legacyStore.command(`DROP DATABASE IF EXISTS ${sql.identifier(db)}`);
    await dropLegacy();
  });

  it('compares a current release with 18.16', () => {
    expect(versions.current).toMatch(/^2[5-9]\.|^[3-9]\d\./);
    // The reference must be the Debian 18.16 of infra/local (TW_TEST_INFRA=local), not a newer container.
    expect(versions.legacy).toMatch(/^18\.16\./);
  });

  it('applies every migration, in order, creating the same tables and views', async () => {
    const catalogue = (side: Side) => `SELECT database = ${sql.string(side.morning)} AS morning, name, engine FROM system.tables ` +
      `WHERE database IN (${sql.string(side.morning)}, ${sql.string(side.samples)}) ORDER BY morning, name`;
    const { current: now, legacy: then } = await both(catalogue);
    expect(now).toEqual(then);
    expect(now.length).toBe(2 * 24); // 23 objects of schemas/clickhouse plus schema_migrations, in each database
    const recorded = (side: Side) => `SELECT version, name, checksum FROM ${sql.identifier(side.morning)}.schema_migrations FINAL ORDER BY version`;
    const migrations = await both(recorded);
    expect(migrations.current).toEqual(migrations.legacy);
  });

  it('the morning events give the dataset rows back through the projector row mapping', () => {
    for (const { row, event } of [...firstDeliveries, ...redeliveries]) {
      // ingested_at is the projector's clock, not the event's; detail is compared as JSON (key order aside).
      const { row: projected } = toRow(event, FIRST_BATCH_AT);
      expect({ ...projected, detail: JSON.parse(projected.detail as string), ingested_at: row.ingested_at })
        .toEqual({ ...row, detail: JSON.parse(row.detail as string) });
    }
  });

  it('lands every delivery, duplicates included, and the views count each event once', async () => {
    const counts = (side: Side) => 'SELECT * FROM (' + ['token_events', 'key_events', 'alerts'].map((table) =>
      `SELECT ${sql.string(table)} AS t, uniqExact(event_id) AS events, ` +
      `(SELECT count() FROM ${sql.identifier(side.morning)}.${sql.identifier(`${table}_v`)}) AS in_view ` +
      `FROM ${sql.identifier(side.morning)}.${sql.identifier(table)}`).join(' UNION ALL ') + ') ORDER BY t';
    const { current: now, legacy: then } = await both(counts);
    expect(now).toEqual(then);
    expect(now).toEqual([
      { t: 'alerts', events: '4', in_view: '3' }, // Dave's alert has two versions (OPEN, UPDATED); the view keeps the higher count
      { t: 'key_events', events: '9', in_view: '9' },
      { t: 'token_events', events: '42', in_view: '42' },
    ]);
  });

  // The morning has rows in every view (so each comparison compares something);
  // the samples are one event per type, which leaves some evidence views empty.
  describe.each([
    ['analyst morning', (s: Side) => s.morning, 1],
    ['event samples', (s: Side) => s.samples, 0],
  ])('%s', (_label, database, minRows) => {
    it.each([...VIEWS, ...STATE_TABLES].map((c) => [c.name, c] as const))('%s: same rows on both', async (_name, c: Comparison) => {
      const { current: now, legacy: then } = await both((s) => c.select(database(s)));
      expect(comparable(now, c.ordered)).toEqual(comparable(then, c.ordered));
      expect(then.length).toBeGreaterThanOrEqual(minRows);
    });
  });

  it.each(SAVED_QUERIES.map((c) => [c.name, c] as const))('saved query %s: same rows on both, as pinned', async (name, c) => {
    const { current: now, legacy: then } = await both((s) => c.select(s.morning));
    expect(now).toEqual(then);
    expect(now).toEqual(expectedRows[name]);
  });

  // Negative controls: the harness must be able to fail.
  it('reports a construct only 18.16 accepts as failing on the current engine', async () => {
    const oldSyntax = (db: string) => `CREATE TABLE ${sql.identifier(db)}.old_syntax (d Date, k UInt8) ENGINE = MergeTree(d, k, 8192)`;
    await legacy.store.command(oldSyntax(legacy.samples));
    await expect(current.store.command(oldSyntax(current.samples))).rejects.toMatchObject({ code: 'ERR_CLICKHOUSE_QUERY', serverCode: 36 });
  });

  it('tells the engines apart where they do differ (a zero DateTime prints differently)', async () => {
    const { current: now, legacy: then } = await both(() => "SELECT toDateTime(0, 'UTC') AS t");
    expect(then).toEqual([{ t: '0000-00-00 00:00:00' }]);
    expect(now).not.toEqual(then);
  });

  it('the retention job records the policy, then lists and drops the same monthly partitions on both', async () => {
    // As scripts/retention.ts runs it: policy limits first, then the partitions.
    const limits = { access_token_lifetime_seconds: 900, refresh_token_lifetime_seconds: 1_209_600, key_rotation_days: 90, retention_days: RETENTION_DAYS };
    const run = async (side: Side, store: SqlStore) => {
      const written = await recordPolicyLimits(store, { database: side.morning, limits, source: 'policy test', now: () => NOW });
      expect(written).toEqual(['access_token_lifetime_seconds', 'retention_days']);
      return applyRetention(store, { database: side.morning, retentionDays: RETENTION_DAYS, now: () => NOW });
    };
    // Rows and bytes per partition are left out: they depend on each engine's
    // part format and on whether a background merge collapsed duplicates yet.
    const decisions = (r: RetentionResult) => ({
      cutoff: r.cutoff, kept: r.kept, skipped: r.skipped, failed: r.failed,
      dropped: r.dropped.map(({ action, table, partition }) => ({ action, table, partition })),
    });
    const [now, then] = [decisions(await run(current, chdb)), decisions(await run(legacy, legacyStore))];
    expect(now).toEqual(then);
    expect(now.dropped).toEqual([
      { action: 'dropped', table: 'key_events', partition: '202410' },
      { action: 'dropped', table: 'key_events', partition: '202501' },
    ]);
    const left = (side: Side) => `SELECT DISTINCT table, partition FROM system.parts WHERE database = ${sql.string(side.morning)} ` +
      'AND active ORDER BY table, partition';
    const parts = await both(left);
    expect(parts.current).toEqual(parts.legacy);
    const keys = await both((s) => `SELECT kid, current_phase FROM ${sql.identifier(s.morning)}.key_rotation_history ORDER BY kid`);
    expect(keys.current).toEqual(keys.legacy);
    expect(keys.current).toEqual([{ kid: 'k-2025-06', current_phase: 'PUBLISHED' }]);
    for (const view of ['policy_limits_current', 'tokens_beyond_policy']) {
      const after = await both((s) => `SELECT * FROM ${sql.identifier(s.morning)}.${sql.identifier(view)}`);
      expect(comparable(after.current, false)).toEqual(comparable(after.legacy, false));
    }
    const beyond = await both((s) => `SELECT jti FROM ${sql.identifier(s.morning)}.tokens_beyond_policy ORDER BY jti`);
    expect(beyond.current).toEqual([{ jti: 'b-access-1' }, { jti: 'b-access-2' }]); // the 20-minute token is now beyond the 15-minute policy
  });
});
