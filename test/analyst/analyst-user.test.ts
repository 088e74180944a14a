import { ClickHouseError, ClickHouseStore, sql } from '@tokenwarden/clickhouse';
import { testEnv } from '@tokenwarden/testing';
import { testClickHouseOptions } from '../clickhouse/clickhouse-env';
import { bindQuery, setupAnalystDatabase } from './analyst-fixture';
import { loadDataset, tokenEvents } from './dataset';
import { queryValues, savedQueries } from './saved-queries';

// The infra config renders soc_analyst (profile readonly=1); testEnv() says
// how to log in. A server without that user makes these checks report and
// pass: the user belongs to the infra config, not to the analyst model.

const VIEWS = [
  'token_events_v', 'key_events_v', 'alerts_v', 'policy_limits_current', 'token_lifecycle', 'subject_reissues_5m',
  'client_reissues_5m', 'key_rotation_history', 'tokens_beyond_policy', 'revocations_by_reason',
  'validation_failures_by_reason', 'subject_erasures', 'issuance_denials',
];

const errorOf = (p: Promise<unknown>): Promise<ClickHouseError> =>
  p.then(() => Promise.reject(new Error('expected a ClickHouseError')), (e: ClickHouseError) => e);

describe('the read-only soc_analyst user', () => {
  let store: ClickHouseStore;
  let analyst: ClickHouseStore;
  let database: string;
  let drop: () => Promise<void>;
  let missing: string | undefined;
  const t = (name: string) => `${sql.identifier(database)}.${sql.identifier(name)}`;

  beforeAll(async () => {
    ({ store, database, drop } = await setupAnalystDatabase('analyst_user'));
    await loadDataset(store, database);
    const { username, password } = testEnv().analyst;
    analyst = new ClickHouseStore({ ...testClickHouseOptions(), user: username, password });
    try {
      await analyst.query('SELECT 1 AS one');
    } catch (err) {
      if (!(err instanceof ClickHouseError) || err.code !== 'ERR_CLICKHOUSE_AUTH') throw err;
      missing = `soc_analyst cannot log in (${err.message}); read-only checks not run`;
      console.warn(missing);
    }
  });
  afterAll(async () => {
    await analyst.close();
    await drop();
  });

  it('can read every analyst view', async () => {
    if (missing) return;
    for (const view of VIEWS) {
      const [mine, theirs] = await Promise.all([
        store.query(`SELECT toString(count()) AS n FROM ${t(view)}`),
        analyst.query(`SELECT toString(count()) AS n FROM ${t(view)}`),
      ]);
      expect({ view, rows: theirs }).toEqual({ view, rows: mine });
    }
  });

  it('gets the same answer as the owner from every saved query', async () => {
    if (missing) return;
    for (const { file, text } of savedQueries()) {
      const query = bindQuery(text, database, queryValues[file]);
      expect({ file, rows: await analyst.query(query) }).toEqual({ file, rows: await store.query(query) });
    }
  });

  it.each([
    ['insert into a table', (db: string) => `INSERT INTO ${db}.token_events (event_id) VALUES ('x')`],
    ['drop a partition', (db: string) => `ALTER TABLE ${db}.token_events DROP PARTITION 202506`],
    ['drop a view', (db: string) => `DROP TABLE ${db}.token_lifecycle`],
    ['create a table', (db: string) => `CREATE TABLE ${db}.mine (x String) ENGINE = Memory`],
    ['change a setting', () => 'SET readonly = 0'],
  ])('may not %s', async (_, statement) => {
    if (missing) return;
    const err = await errorOf(analyst.command(statement(sql.identifier(database))));
    expect([err.code, err.retriable, err.serverCode]).toEqual(['ERR_CLICKHOUSE_QUERY', false, 164]); // 164: READONLY
  });

  it('left the data as it was', async () => {
    expect(await store.query(`SELECT toString(uniqExact(event_id)) AS u FROM ${t('token_events')}`)).toEqual([{ u: String(tokenEvents.length) }]);
  });
});
