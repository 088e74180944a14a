import { createHash } from 'node:crypto';
import { ClickHouseError, ClickHouseStore, RowBinaryRows, sql } from '@tokenwarden/clickhouse';
import { HOSTILE_STRINGS } from '../../libs/clickhouse/src/hostile-strings.fixture';
import { setupDatabase, utf8Hex } from './clickhouse-env';

// The RowBinary write path (insertRowBinary), held to the same bar as the
// text paths: hostile strings come back byte for byte, compared as hex
// computed by the server itself, and every type the encoder writes is read
// by the server as the value that was pushed.
describe('RowBinary round trip against ClickHouse', () => {
  let store: ClickHouseStore;
  let database: string;
  let drop: () => Promise<void>;
  let tableNo = 0;

  beforeAll(async () => ({ store, database, drop } = await setupDatabase('escaping_rowbinary')));
  afterAll(async () => drop());

  const STRINGS = { id: 'UInt32', s: 'String', ns: 'Nullable(String)', a: 'Array(String)' };

  async function freshTable(columns: Record<string, string> = STRINGS): Promise<string> {
    tableNo += 1;
    const table = `${database}.t${tableNo}`;
    const ddl = Object.entries(columns).map(([c, type]) => `${sql.identifier(c)} ${type}`);
    await store.command(`CREATE TABLE ${sql.identifier(table)} (${ddl.join(', ')}) ENGINE = MergeTree ORDER BY id`);
    return table;
  }

  const encode = (columns: Record<string, string>, rows: Array<Record<string, unknown>>) => {
    const encoder = new RowBinaryRows(columns);
    for (const row of rows) encoder.push(row);
    return encoder;
  };

  const cases = Object.entries(HOSTILE_STRINGS);
  const md5 = (s: string) => createHash('md5').update(s, 'utf8').digest('hex').toUpperCase();
  const readStrings = (table: string) =>
    store.query(`SELECT id, hex(s) AS hs, hex(assumeNotNull(ns)) AS hns, arrayMap(x -> hex(x), a) AS ha FROM ${sql.identifier(table)} ORDER BY id`);

  it.each(cases)('keeps %s', async (_name, value) => {
    const table = await freshTable();
    await store.insertRowBinary(table, encode(STRINGS, [{ id: 1, s: value, ns: value, a: [value, '', value] }]));
    expect(await readStrings(table)).toEqual([{ id: 1, hs: utf8Hex(value), hns: utf8Hex(value), ha: [utf8Hex(value), '', utf8Hex(value)] }]);
  });

  it('keeps every hostile string in one insert of several parts, row for row, whatever order the table declares', async () => {
    const table = await freshTable({ a: 'Array(String)', id: 'UInt32', s: 'String', ns: 'Nullable(String)' });
    const parts = [0, 1].map((p) =>
      encode(
        STRINGS,
        cases.map(([, value], id) => ({ id, s: value, ns: value, a: [value] })).filter((_, i) => i % 2 === p),
      ),
    );
    await store.insertRowBinary(table, parts);
    expect(await readStrings(table)).toEqual(cases.map(([, value], id) => ({ id, hs: utf8Hex(value), hns: utf8Hex(value), ha: [utf8Hex(value)] })));
  });

  it('reads NULL, DateTime as unix seconds and integers and floats at the edges of their types as written', async () => {
    const columns = {
      id: 'UInt32', t: "DateTime('UTC')", nt: "Nullable(DateTime('UTC'))", u8: 'UInt8', u64: 'UInt64', i8: 'Int8', i32: 'Int32', i64: 'Int64',
      f: 'Float64', nn: 'Array(Array(Int32))', nu: 'Nullable(UInt32)', long: 'String',
    };
    const table = await freshTable(columns);
    const seconds = Math.floor(Date.UTC(2024, 1, 29, 23, 30, 15) / 1000);
    const long = 'é'.repeat(70_000);
    await store.insertRowBinary(
      table,
      encode(columns, [
        { id: 1, t: seconds, nt: null, u8: 255, u64: 2n ** 64n - 1n, i8: -128, i32: -(2 ** 31), i64: -(2n ** 63n), f: 0.25, nn: [[1, -2], []], nu: 4294967295, long },
        { id: 2, t: 0, nt: 2 ** 32 - 1, u8: 0, u64: 2 ** 53 - 1, i8: 127, i32: 2 ** 31 - 1, i64: 2 ** 53 - 1, f: -1.5, nn: [], nu: null, long: '' },
      ]),
    );
    const rows = await store.query(
      `SELECT id, toString(t) AS t, toUInt32(nt) AS nt, u8, toString(u64) AS u64, i8, i32, toString(i64) AS i64, f, nn, nu, length(long) AS bytes, hex(MD5(long)) AS md5
       FROM ${sql.identifier(table)} ORDER BY id`,
    );
    expect(rows).toEqual([
      { id: 1, t: '2024-02-29 23:30:15', nt: null, u8: 255, u64: '18446744073709551615', i8: -128, i32: -(2 ** 31), i64: '-9223372036854775808', f: 0.25, nn: [[1, -2], []], nu: 4294967295, bytes: '140000', md5: md5(long) },
      { id: 2, t: '0000-00-00 00:00:00', nt: 4294967295, u8: 0, u64: '9007199254740991', i8: 127, i32: 2 ** 31 - 1, i64: '9007199254740991', f: -1.5, nn: [], nu: null, bytes: '0', md5: md5('') },
    ]);
  });

  it('reports a column the table lacks as ERR_CLICKHOUSE_QUERY with the server code, not retriable, and stores nothing', async () => {
    const table = await freshTable({ id: 'UInt32', s: 'String' });
    const err = await store
      .insertRowBinary(table, encode({ id: 'UInt32', missing: 'String' }, [{ id: 1, missing: 'x' }]))
      .then(() => undefined, (e: ClickHouseError) => e);
    expect([err?.code, err?.retriable, err?.serverCode]).toEqual(['ERR_CLICKHOUSE_QUERY', false, 16]);
    expect(await store.query(`SELECT toString(count()) AS n FROM ${sql.identifier(table)}`)).toEqual([{ n: '0' }]);
  });

  it('reports a body that does not match the table\'s types as ERR_CLICKHOUSE_QUERY, not retriable', async () => {
    const table = await freshTable({ id: 'UInt32', s: 'String' });
    const err = await store
      .insertRowBinary(table, encode({ id: 'UInt32', s: 'UInt8' }, [{ id: 1, s: 1 }]))
      .then(() => undefined, (e: ClickHouseError) => e);
    expect([err?.code, err?.retriable]).toEqual(['ERR_CLICKHOUSE_QUERY', false]);
    expect(await store.query(`SELECT toString(count()) AS n FROM ${sql.identifier(table)}`)).toEqual([{ n: '0' }]);
  });
});
