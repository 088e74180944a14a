import { createServer } from 'node:net';
import { ClickHouseError, ClickHouseStore, sql } from '@tokenwarden/clickhouse';
import { setupDatabase, testClickHouseOptions } from './clickhouse-env';

const errorOf = (p: Promise<unknown>): Promise<ClickHouseError> =>
  p.then(
    () => Promise.reject(new Error('expected a ClickHouseError')),
    (e: ClickHouseError) => e,
  );

// A port nothing listens on: bind an ephemeral port, then release it.
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('ClickHouseStore errors', () => {
  let store: ClickHouseStore;
  let database: string;
  let drop: () => Promise<void>;

  beforeAll(async () => ({ store, database, drop } = await setupDatabase('errors')));
  afterAll(async () => drop());

  it('reports a server that does not answer as retriable ERR_CLICKHOUSE_UNAVAILABLE', async () => {
    const down = new ClickHouseStore({ url: `http://127.0.0.1:${await closedPort()}`, user: 'default', password: '' });
    try {
      const errors = await Promise.all([
        errorOf(down.command('SELECT 1')),
        errorOf(down.query('SELECT 1')),
        errorOf(down.insert('db.t', [{ a: 1 }])),
      ]);
      for (const err of errors) {
        expect(err).toBeInstanceOf(ClickHouseError);
        expect([err.code, err.retriable, (err.cause as { code?: string }).code]).toEqual(['ERR_CLICKHOUSE_UNAVAILABLE', true, 'ECONNREFUSED']);
      }
      expect(await down.ping()).toBe(false);
    } finally {
      await down.close();
    }
  });

  it('reports a request timeout as retriable ERR_CLICKHOUSE_UNAVAILABLE', async () => {
    const slow = new ClickHouseStore({ ...testClickHouseOptions(), requestTimeoutMs: 200 });
    try {
      const err = await errorOf(slow.query('SELECT sleep(2)'));
      expect([err.code, err.retriable]).toEqual(['ERR_CLICKHOUSE_UNAVAILABLE', true]);
    } finally {
      await slow.close();
    }
  });

  it('answers ping on a live server', async () => {
    expect(await store.ping()).toBe(true);
  });

  it.each([
    ['a syntax error', 'SELEC 1', 62],
    ['an unknown table', 'SELECT * FROM tw_no_such_db.t', 81],
    ['a type mismatch', "SELECT 1 + 'a'", 43],
  ])('reports %s as ERR_CLICKHOUSE_QUERY, not retriable, with the server code', async (_what, statement, serverCode) => {
    const err = await errorOf(store.query(statement));
    expect([err.code, err.retriable, err.serverCode]).toEqual(['ERR_CLICKHOUSE_QUERY', false, serverCode]);
  });

  it('reports a row the table rejects as ERR_CLICKHOUSE_QUERY', async () => {
    const table = `${database}.typed`;
    await store.command(`CREATE TABLE ${sql.identifier(table)} (n UInt8) ENGINE = MergeTree ORDER BY n`);
    const err = await errorOf(store.insert(table, [{ n: 'not a number' }]));
    expect([err.code, err.retriable]).toEqual(['ERR_CLICKHOUSE_QUERY', false]);
  });

  it('reports a failure half-way through a result as the server error, not a JSON SyntaxError', async () => {
    const err = await errorOf(store.query('SELECT throwIf(number = 200000) AS x FROM system.numbers LIMIT 300000'));
    expect([err.code, err.serverCode]).toEqual(['ERR_CLICKHOUSE_QUERY', 395]);
  });

  it('reports refused credentials as retriable ERR_CLICKHOUSE_AUTH', async () => {
    const options = testClickHouseOptions();
    const wrong = new ClickHouseStore({ ...options, password: `${options.password}-wrong` });
    try {
      const err = await errorOf(wrong.query('SELECT 1'));
      expect([err.code, err.retriable]).toEqual(['ERR_CLICKHOUSE_AUTH', true]);
    } finally {
      await wrong.close();
    }
  });
});
