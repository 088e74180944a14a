import { ClickHouseStore, sql } from '@tokenwarden/clickhouse';
import { applyRetention, RetentionLogEntry } from '../../libs/clickhouse/src/retention';
import { alertRow, keyEvent, seconds, setupAnalystDatabase, tokenEvent, uuid } from './analyst-fixture';

// now 2025-06-15T00:00Z, 400 days: the cutoff is 2024-05-11T00:00Z, so April 2024
// and older go (their whole month is past it) and May 2024 stays.
const NOW = Date.UTC(2025, 5, 15);
const RETENTION_DAYS = 400;

const issued = (n: number, iso: string, jti: string) => tokenEvent({
  event_id: uuid(n), event_type: 'TokenIssued', event_time: seconds(iso), subject_ref: 'e0'.repeat(32), client_id: 'web',
  jti, iss: 'https://issuer.example.com', token_kind: 'ACCESS', issued_at: seconds(iso), expires_at: seconds(iso) + 900,
  lifetime_seconds: 900,
});
const tokenEvents = [
  issued(1, '2023-04-10T12:00:00', 'old-1'),
  issued(2, '2024-04-30T23:59:59', 'edge-1'), // last second of April 2024
  tokenEvent({ event_id: uuid(3), event_type: 'TokenValidated', event_time: seconds('2024-05-01T00:00:00'), client_id: 'web',
    ip: '203.0.113.10', jti: 'edge-1', iss: 'https://issuer.example.com', outcome: 'VALID', reason: 'OK' }),
  issued(4, '2025-06-14T08:00:00', 'new-1'),
];
const key = (n: number, iso: string, kid: string) => keyEvent({
  event_id: uuid(n), event_time: seconds(iso), tenant_id: 'acme', kid, alg: 'ES256', phase: 'GENERATED',
  key_created_at: seconds(iso), storage: 'HSM', jwk_thumbprint: `tp-${kid}`,
});
const alert = (n: number, iso: string) => alertRow({
  alert_id: `al-${n}`, event_id: uuid(n), event_time: seconds(iso) + 60, rule_id: 'refresh-reuse', severity: 'HIGH', title: 't',
  group_key: 'fam', subject_ref: '', client_id: '', window_start: seconds(iso), window_end: seconds(iso) + 300, threshold: 1,
  count: 1, first_seen: seconds(iso), last_seen: seconds(iso), evidence_event_ids: [], mitre_techniques: [], status: 'OPEN',
});

describe('retention: whole monthly partitions past the policy limit', () => {
  let store: ClickHouseStore;
  let database: string;
  let drop: () => Promise<void>;
  const t = (name: string) => `${sql.identifier(database)}.${sql.identifier(name)}`;
  const partitions = async () => (await store.query<{ table: string; partition: string }>(
    `SELECT DISTINCT table, partition FROM system.parts WHERE database = ${sql.string(database)} AND active ORDER BY table, partition`,
  )).map((p) => `${p.table} ${p.partition}`);

  beforeAll(async () => {
    ({ store, database, drop } = await setupAnalystDatabase('analyst_retention'));
    await store.insert(`${database}.token_events`, tokenEvents);
    await store.insert(`${database}.key_events`, [key(10, '2023-04-01T00:00:00', 'k-old'), key(11, '2025-06-01T00:00:00', 'k-new')]);
    await store.insert(`${database}.alerts`, [alert(20, '2024-04-15T10:00:00'), alert(21, '2025-06-14T10:00:00')]);
    // A table partitioned by day: not monthly, so the job must leave it alone.
    await store.command(`CREATE TABLE ${t('daily_scratch')} (d Date) ENGINE = MergeTree() PARTITION BY toYYYYMMDD(d) ORDER BY d`);
    await store.command(`INSERT INTO ${t('daily_scratch')} VALUES ('2023-04-01')`);
  });
  afterAll(async () => drop());

  const oldPartitions = [
    'alerts 202404', 'client_reissues_5m_state 202304', 'client_reissues_5m_state 202404', 'key_events 202304',
    'subject_reissues_5m_state 202304', 'subject_reissues_5m_state 202404', 'token_events 202304', 'token_events 202404',
    'token_lifecycle_state 202304', 'token_lifecycle_state 202404',
  ];
  const keptPartitions = [
    'alerts 202506', 'client_reissues_5m_state 202506', 'daily_scratch 20230401', 'key_events 202506',
    'policy_limits tuple()', 'schema_migrations tuple()', // unpartitioned: never considered
    'subject_reissues_5m_state 202506', 'token_events 202405', 'token_events 202506',
    'token_lifecycle_state 202405', 'token_lifecycle_state 202506',
  ];

  it('a dry run lists what would go and drops nothing', async () => {
    const before = await partitions();
    expect(before).toEqual([...oldPartitions, ...keptPartitions].sort());
    const result = await applyRetention(store, { database, retentionDays: RETENTION_DAYS, now: () => NOW, dryRun: true });
    expect(result.cutoff).toBe('2024-05-11T00:00:00.000Z');
    expect(result.dropped.map((d) => `${d.action} ${d.table} ${d.partition}`)).toEqual(oldPartitions.map((p) => `would_drop ${p}`));
    expect(await partitions()).toEqual(before);
  });

  it('drops only the old months of every partitioned table and logs each drop', async () => {
    const logged: RetentionLogEntry[] = [];
    const result = await applyRetention(store, { database, retentionDays: RETENTION_DAYS, now: () => NOW, log: (e) => logged.push(e) });

    expect(result.dropped.map((d) => `${d.table} ${d.partition}`)).toEqual(oldPartitions);
    expect(result.dropped.every((d) => d.action === 'dropped' && d.bytes > 0)).toBe(true);
    expect(result.dropped.filter((d) => d.table === 'token_events').map((d) => d.rows)).toEqual([1, 1]);
    expect(result.skipped).toEqual([{ action: 'skipped', table: 'daily_scratch', partition: '20230401', rows: 1, bytes: expect.any(Number),
      why: 'not a monthly (YYYYMM) partition' }]);
    expect(result.failed).toEqual([]);
    expect(result.kept).toBe(8);
    expect(logged).toEqual([...result.dropped, ...result.skipped].sort((a, b) => a.table.localeCompare(b.table)));
    expect(await partitions()).toEqual(keptPartitions);

    expect(await store.query(`SELECT jti, event_type FROM ${t('token_events_v')} ORDER BY event_time`)).toEqual([
      { jti: 'edge-1', event_type: 'TokenValidated' }, { jti: 'new-1', event_type: 'TokenIssued' },
    ]);
    // The lifecycle state went with its month: edge-1 keeps its May validation, its April issuance is gone.
    expect(await store.query(`SELECT jti, issued, validations FROM ${t('token_lifecycle')} ORDER BY jti`)).toEqual([
      { jti: 'edge-1', issued: 0, validations: '1' }, { jti: 'new-1', issued: 1, validations: '0' },
    ]);
    // Unpartitioned tables are not touched.
    expect(await store.query(`SELECT toString(count()) AS n FROM ${t('policy_limits_current')}`)).toEqual([{ n: '4' }]);
  });

  it('a second run finds nothing more to drop', async () => {
    const result = await applyRetention(store, { database, retentionDays: RETENTION_DAYS, now: () => NOW });
    expect([result.dropped, result.failed, result.kept]).toEqual([[], [], 8]);
  });

  it('refuses a malformed database name before sending SQL', async () => {
    await expect(applyRetention(store, { database: 'x; DROP', retentionDays: RETENTION_DAYS })).rejects.toMatchObject({
      code: 'ERR_CLICKHOUSE_VALUE',
    });
  });
});
