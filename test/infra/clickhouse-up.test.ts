// The ClickHouse the tests get answers over HTTP through @clickhouse/client,
// and the soc_analyst user is read-only.
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { testEnv, uniqueName } from '@tokenwarden/testing';

// jest.config.js sets testTimeout per project, which Jest 29 ignores (it is a global option).
jest.setTimeout(60_000);

const env = testEnv();
const READONLY = 164; // "Cannot ... in readonly mode"
const WRONG_PASSWORD = [193, 516]; // 18.16: WRONG_PASSWORD; current releases: AUTHENTICATION_FAILED

const clients: ClickHouseClient[] = [];
function client(username: string, password: string): ClickHouseClient {
  // Expected failures below would otherwise be logged at ERROR level.
  const c = createClient({ url: env.clickhouseUrl, username, password, log: { level: ClickHouseLogLevel.OFF } });
  clients.push(c);
  return c;
}

/**
 * The server's numeric error code. Current servers' errors parse into
 * ClickHouseError.code; 18.16 answers "Code: 164, e.displayText() = ..."
 * which the client leaves as a plain Error.
 */
function serverErrorCode(err: unknown): number | undefined {
  if (err instanceof Error && 'code' in err && typeof err.code === 'string' && /^\d+$/.test(err.code)) {
    return Number(err.code);
  }
  const match = err instanceof Error ? /\bCode: (\d+)/.exec(err.message) : null;
  return match ? Number(match[1]) : undefined;
}

async function failureCode(action: Promise<unknown>): Promise<number | undefined> {
  return action.then(
    () => undefined,
    (err: unknown) => serverErrorCode(err) ?? -1,
  );
}

const admin = client('default', '');
const analyst = client(env.analyst.username, env.analyst.password);
const table = `default.${uniqueName('ch_up')}`;

beforeAll(async () => {
  await admin.command({ query: `CREATE TABLE ${table} (id UInt32, note String) ENGINE = MergeTree ORDER BY id` });
  await admin.insert({ table, values: [{ id: 1, note: 'seeded' }], format: 'JSONEachRow' });
});

afterAll(async () => {
  await admin.command({ query: `DROP TABLE IF EXISTS ${table}` }).catch(() => undefined);
  await Promise.allSettled(clients.map((c) => c.close()));
});

describe('ClickHouse', () => {
  it('answers SELECT version()', async () => {
    const rows = await (await admin.query({ query: 'SELECT version() AS version', format: 'JSONEachRow' })).json<{
      version: string;
    }>();
    expect(rows).toHaveLength(1);
    expect(rows[0].version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('lets soc_analyst SELECT', async () => {
    const rows = await (await analyst.query({ query: `SELECT id, note FROM ${table}`, format: 'JSONEachRow' })).json();
    expect(rows).toEqual([{ id: 1, note: 'seeded' }]);
  });

  it('refuses CREATE and INSERT from soc_analyst (readonly)', async () => {
    const other = `default.${uniqueName('ch_up_denied')}`;
    expect(await failureCode(analyst.command({ query: `CREATE TABLE ${other} (id UInt32) ENGINE = Memory` }))).toBe(
      READONLY,
    );
    expect(
      await failureCode(analyst.insert({ table, values: [{ id: 2, note: 'analyst' }], format: 'JSONEachRow' })),
    ).toBe(READONLY);
    expect(await failureCode(analyst.command({ query: `DROP TABLE ${table}` }))).toBe(READONLY);

    const count = await (await admin.query({ query: `SELECT count() AS n FROM ${table}`, format: 'JSONEachRow' })).json();
    expect(count).toEqual([{ n: '1' }]);
    const exists = await (await admin.query({ query: `EXISTS TABLE ${other}`, format: 'JSONEachRow' })).json();
    expect(exists).toEqual([{ result: 0 }]);
  });

  it('refuses soc_analyst with a wrong password', async () => {
    const intruder = client(env.analyst.username, `${env.analyst.password}-wrong`);
    expect(WRONG_PASSWORD).toContain(await failureCode(intruder.query({ query: 'SELECT 1' })));
  });
});
