import { ClickHouseError, ClickHouseStore, sql } from '@tokenwarden/clickhouse';
import { HOSTILE_STRINGS } from '../../libs/clickhouse/src/hostile-strings.fixture';
import { setupDatabase, utf8Hex } from './clickhouse-env';

// Hostile strings go into ClickHouse through both write paths and must come
// back byte for byte: compared as hex computed by the server itself.
describe('escaping round trip against ClickHouse', () => {
  let store: ClickHouseStore;
  let database: string;
  let drop: () => Promise<void>;
  let tableNo = 0;

  beforeAll(async () => ({ store, database, drop } = await setupDatabase('escaping')));
  afterAll(async () => drop());

  // A fresh table per test, as in the ClickHouse JS client's own suites.
  async function freshTable(): Promise<string> {
    tableNo += 1;
    const table = `${database}.t${tableNo}`;
    await store.command(`CREATE TABLE ${sql.identifier(table)} (id UInt32, s String, a Array(String)) ENGINE = MergeTree ORDER BY id`);
    return table;
  }

  async function readBack(table: string) {
    return store.query<{ id: number; s: string; hs: string; ha: string[] }>(
      `SELECT id, s, hex(s) AS hs, arrayMap(x -> hex(x), a) AS ha FROM ${sql.identifier(table)} ORDER BY id`,
    );
  }

  const cases = Object.entries(HOSTILE_STRINGS);

  it.each(cases)('literal INSERT built with sql.string keeps %s', async (_name, value) => {
    const table = await freshTable();
    await store.command(`INSERT INTO ${sql.identifier(table)} (id, s, a) VALUES (1, ${sql.string(value)}, ${sql.array([value, value])})`);
    const rows = await readBack(table);
    expect(rows).toEqual([{ id: 1, s: value, hs: utf8Hex(value), ha: [utf8Hex(value), utf8Hex(value)] }]);
    // The same literal in a WHERE clause goes through the SQL parser, not the VALUES reader.
    const hits = await store.query<{ n: string }>(
      `SELECT count() AS n FROM ${sql.identifier(table)} WHERE s = ${sql.string(value)} AND has(a, ${sql.string(value)})`,
    );
    expect(hits).toEqual([{ n: '1' }]);
  });

  it.each(cases)('JSONEachRow insert keeps %s', async (_name, value) => {
    const table = await freshTable();
    await store.insert(table, [{ id: 1, s: value, a: [value] }]);
    expect(await readBack(table)).toEqual([{ id: 1, s: value, hs: utf8Hex(value), ha: [utf8Hex(value)] }]);
  });

  it('keeps every byte value, invalid UTF-8 included, through sql.string(bytes)', async () => {
    const table = await freshTable();
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    await store.command(`INSERT INTO ${sql.identifier(table)} (id, s, a) VALUES (1, ${sql.string(bytes)}, [])`);
    const rows = await store.query<{ hs: string; n: string }>(`SELECT hex(s) AS hs, toString(length(s)) AS n FROM ${sql.identifier(table)}`);
    expect(rows).toEqual([{ hs: utf8Hex(bytes), n: '256' }]);
  });

  it('refuses a lone surrogate on both paths before anything is written', async () => {
    const table = await freshTable();
    const codes = await Promise.all([
      store.insert(table, [{ id: 1, s: 'ok', a: ['x\ud800'] }]).catch((e: ClickHouseError) => e.code),
      Promise.resolve()
        .then(() => store.command(`INSERT INTO ${sql.identifier(table)} VALUES (2, ${sql.string('\udfff')}, [])`))
        .catch((e: ClickHouseError) => e.code),
    ]);
    expect(codes).toEqual(['ERR_CLICKHOUSE_VALUE', 'ERR_CLICKHOUSE_VALUE']);
    expect(await store.query(`SELECT toString(count()) AS n FROM ${sql.identifier(table)}`)).toEqual([{ n: '0' }]);
  });

  it('renders numbers and DateTime the server reads back exactly', async () => {
    const ms = Date.UTC(2024, 1, 29, 23, 30, 15, 999);
    const rows = await store.query(
      `SELECT 10-${sql.number(-5)} AS n, toUnixTimestamp(${sql.dateTime(ms)}) AS t, ` +
        `toString(${sql.dateTime(ms)}) AS text, toYYYYMM(${sql.dateTime(ms)}) AS month, ${sql.number(0.25)} AS f`,
    );
    expect(rows).toEqual([{ n: 15, t: Math.floor(ms / 1000), text: '2024-02-29 23:30:15', month: 202402, f: 0.25 }]);
  });
});
