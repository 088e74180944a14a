import { ClickHouseError, ClickHouseStore, sql, TabSeparatedRows } from '@tokenwarden/clickhouse';
import { HOSTILE_STRINGS } from '../../libs/clickhouse/src/hostile-strings.fixture';
import { setupDatabase, utf8Hex } from './clickhouse-env';

// The TabSeparated write path (insertTabSeparated), held to the same bar as
// the two paths of escaping.test.ts: hostile strings come back byte for byte,
// compared as hex computed by the server itself.
describe('TabSeparated round trip against ClickHouse', () => {
  let store: ClickHouseStore;
  let database: string;
  let drop: () => Promise<void>;
  let tableNo = 0;

  beforeAll(async () => ({ store, database, drop } = await setupDatabase('escaping_tsv')));
  afterAll(async () => drop());

  async function freshTable(columns = 'id UInt32, s String, a Array(String)'): Promise<string> {
    tableNo += 1;
    const table = `${database}.t${tableNo}`;
    await store.command(`CREATE TABLE ${sql.identifier(table)} (${columns}) ENGINE = MergeTree ORDER BY id`);
    return table;
  }

  const encode = (columns: string[], rows: Array<Record<string, unknown>>) => {
    const tsv = new TabSeparatedRows(columns);
    for (const row of rows) tsv.push(row);
    return tsv;
  };

  const cases = Object.entries(HOSTILE_STRINGS);

  it.each(cases)('keeps %s', async (_name, value) => {
    const table = await freshTable();
    await store.insertTabSeparated(table, encode(['id', 's', 'a'], [{ id: 1, s: value, a: [value, '', value] }]));
    const rows = await store.query(`SELECT id, hex(s) AS hs, arrayMap(x -> hex(x), a) AS ha FROM ${sql.identifier(table)}`);
    expect(rows).toEqual([{ id: 1, hs: utf8Hex(value), ha: [utf8Hex(value), '', utf8Hex(value)] }]);
  });

  it('keeps every hostile string in one insert of several parts, row for row', async () => {
    const table = await freshTable();
    const parts = [0, 1].map((p) =>
      encode(['s', 'a', 'id'], cases.filter((_, i) => i % 2 === p).map(([, value]) => ({ id: cases.findIndex(([, v]) => v === value), s: value, a: [value] }))),
    );
    await store.insertTabSeparated(table, parts);
    const rows = await store.query<{ id: number; hs: string; ha: string[] }>(
      `SELECT id, hex(s) AS hs, arrayMap(x -> hex(x), a) AS ha FROM ${sql.identifier(table)} ORDER BY id`,
    );
    expect(rows).toEqual(cases.map(([, value], id) => ({ id, hs: utf8Hex(value), ha: [utf8Hex(value)] })));
  });

  it('reads NULL, DateTime as unix seconds, negative and nested numbers as written', async () => {
    const table = await freshTable('id UInt32, t DateTime(\'UTC\'), nt Nullable(DateTime(\'UTC\')), i Int64, f Float64, nn Array(Array(Int32)), u Nullable(UInt32)');
    const seconds = Math.floor(Date.UTC(2024, 1, 29, 23, 30, 15) / 1000);
    await store.insertTabSeparated(
      table,
      encode(['id', 't', 'nt', 'i', 'f', 'nn', 'u'], [
        { id: 1, t: seconds, nt: null, i: -5, f: 0.25, nn: [[1, -2], []], u: 4294967295 },
        { id: 2, t: 0, nt: seconds, i: 9007199254740991, f: -1.5, nn: [], u: null },
      ]),
    );
    const rows = await store.query(
      `SELECT id, toString(t) AS t, toString(nt) AS nt, toString(i) AS i, f, nn, u FROM ${sql.identifier(table)} ORDER BY id`,
    );
    expect(rows).toEqual([
      { id: 1, t: '2024-02-29 23:30:15', nt: null, i: '-5', f: 0.25, nn: [[1, -2], []], u: 4294967295 },
      { id: 2, t: '0000-00-00 00:00:00', nt: '2024-02-29 23:30:15', i: '9007199254740991', f: -1.5, nn: [], u: null },
    ]);
  });

  it('reports a row the table refuses as ERR_CLICKHOUSE_QUERY, not retriable, and stores nothing of the insert', async () => {
    const table = await freshTable('id UInt32, n UInt8');
    const err = await store
      .insertTabSeparated(table, encode(['id', 'n'], [{ id: 1, n: 1 }, { id: 2, n: 'not a number' }]))
      .then(() => undefined, (e: ClickHouseError) => e);
    expect([err?.code, err?.retriable]).toEqual(['ERR_CLICKHOUSE_QUERY', false]);
    expect(err?.serverCode).toEqual(expect.any(Number));
    expect(await store.query(`SELECT toString(count()) AS n FROM ${sql.identifier(table)}`)).toEqual([{ n: '0' }]);
  });
});
