import { ClickHouseError } from './clickhouse-error';
import { HOSTILE_STRINGS } from './hostile-strings.fixture';
import { RowBinaryRows } from './row-binary';
import { readRowBinary } from './row-binary-reader.fixture';

const COLUMNS = { s: 'String', n: 'UInt32', a: 'Array(String)', ns: 'Nullable(String)' };

function setup(rows: Array<Record<string, unknown>>, columns: Record<string, string> = COLUMNS) {
  const encoder = new RowBinaryRows(columns);
  for (const row of rows) encoder.push(row);
  const body = Buffer.concat(encoder.chunks);
  return { encoder, body, read: () => readRowBinary(body, Object.values(columns)) };
}

const errorOf = (fn: () => unknown): { code: string; message: string } | undefined => {
  try {
    fn();
  } catch (err) {
    return err instanceof ClickHouseError ? { code: err.code, message: err.message } : { code: 'not a ClickHouseError', message: String(err) };
  }
  return undefined;
};

describe('RowBinaryRows', () => {
  it('writes each value as its type’s bytes, the columns in the given order, whatever the key order', () => {
    const { encoder, body } = setup([
      { ns: null, a: ['x', ''], n: 258, s: 'ab' },
      { s: '', n: 0, a: [], ns: 'é' },
    ]);
    expect([...body]).toEqual([
      ...[2, 0x61, 0x62, 2, 1, 0, 0, 2, 1, 0x78, 0, 1],
      ...[0, 0, 0, 0, 0, 0, 0, 2, 0xc3, 0xa9],
    ]);
    expect(encoder.rowCount).toBe(2);
    expect([encoder.columns, encoder.types]).toEqual([['s', 'n', 'a', 'ns'], Object.values(COLUMNS)]);
  });

  it.each(Object.entries(HOSTILE_STRINGS))('writes %s as its exact UTF-8 bytes', (_name, value) => {
    const { body, read } = setup([{ s: value, n: 1, a: [value, value], ns: value }]);
    expect(read()).toEqual([[value, 1, [value, value], value]]);
    expect(body.includes(Buffer.from(value, 'utf8'))).toBe(true);
  });

  it('writes string lengths as varints across the one-, two- and three-byte boundaries', () => {
    const lengths = [127, 128, 16_383, 16_384, 70_000];
    const rows = lengths.flatMap((n) => [{ s: 'x'.repeat(n), n, a: ['é'.repeat(n)], ns: null }]);
    const { read } = setup(rows);
    expect(read()).toEqual(rows.map((r) => [r.s, r.n, r.a, null]));
    expect([...setup([{ s: 'x'.repeat(300), n: 0, a: [], ns: null }]).body.subarray(0, 2)]).toEqual([0xac, 0x02]);
  });

  it('writes integers, floats and DateTime at the edges of their types', () => {
    const columns = {
      u8: 'UInt8', u16: 'UInt16', u32: 'UInt32', u64: 'UInt64', i8: 'Int8', i16: 'Int16', i32: 'Int32', i64: 'Int64',
      f32: 'Float32', f64: 'Float64', t: "DateTime('UTC')", nt: "Nullable(DateTime('UTC'))", lc: 'LowCardinality(String)', nn: 'Array(Array(Int32))',
    };
    const { read } = setup(
      [
        { u8: 255, u16: 65_535, u32: 2 ** 32 - 1, u64: 2 ** 53 - 1, i8: -128, i16: -32_768, i32: -(2 ** 31), i64: -(2n ** 63n), f32: 0.5, f64: -1.25, t: 2 ** 32 - 1, nt: null, lc: 'lc', nn: [[1, -2], []] },
        { u8: 0, u16: 0, u32: 0, u64: 2n ** 64n - 1n, i8: 127, i16: 32_767, i32: 2 ** 31 - 1, i64: 2 ** 53 - 1, f32: -0, f64: 1e300, t: 0, nt: 1_700_000_000, lc: '', nn: [] },
      ],
      columns,
    );
    expect(read()).toEqual([
      [255, 65_535, 2 ** 32 - 1, 2n ** 53n - 1n, -128, -32_768, -(2 ** 31), -(2n ** 63n), 0.5, -1.25, 2 ** 32 - 1, null, 'lc', [[1, -2], []]],
      [0, 0, 0, 2n ** 64n - 1n, 127, 32_767, 2 ** 31 - 1, 2n ** 53n - 1n, -0, 1e300, 0, 1_700_000_000, '', []],
    ]);
  });

  it('refuses what its column cannot hold with ERR_CLICKHOUSE_VALUE naming the column, and keeps nothing of that row', () => {
    const encoder = new RowBinaryRows({ ...COLUMNS, u64: 'UInt64', i8: 'Int8', f32: 'Float32', f: 'Float64' });
    const ok = { s: 'kept', n: 1, a: [], ns: null, u64: 0, i8: 0, f32: 0, f: 0 };
    encoder.push(ok);
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ s: 'x\ud800' }, 'column s: string contains a lone UTF-16 surrogate'],
      [{ a: ['ok', '\udfff'] }, 'column a: string contains a lone UTF-16 surrogate'],
      [{ ns: 'é\udc00' }, 'column ns: string contains a lone UTF-16 surrogate'],
      [{ n: -1 }, 'column n: -1, which UInt32 cannot hold'],
      [{ n: 2 ** 32 }, 'column n: 4294967296, which UInt32 cannot hold'],
      [{ n: 1.5 }, 'column n: 1.5, which UInt32 cannot hold'],
      [{ n: NaN }, 'column n: NaN, which UInt32 cannot hold'],
      [{ n: '1' }, 'column n: a string, which UInt32 cannot hold'],
      [{ n: null }, 'column n: a object, which UInt32 cannot hold'],
      [{ s: 5 }, 'column s: 5, which String cannot hold'],
      [{ s: new Date(0) }, 'column s: a Date, which String cannot hold'],
      [{ s: undefined }, 'column s: no value'],
      [{ a: { not: 'an array' } }, 'column a: a object, which Array(String) cannot hold'],
      [{ a: [{}] }, 'column a: a object, which String cannot hold'],
      [{ u64: -1 }, 'column u64: -1, which UInt64 cannot hold'],
      [{ u64: 2n ** 64n }, 'column u64: a bigint, which UInt64 cannot hold'],
      [{ u64: 2 ** 53 }, 'column u64: 9007199254740992, which UInt64 cannot hold'],
      [{ i8: 128 }, 'column i8: 128, which Int8 cannot hold'],
      [{ f: Infinity }, 'column f: Infinity, which Float64 cannot hold'],
      [{ f32: 1e39 }, 'column f32: 1e+39, which Float32 cannot hold'],
    ];
    for (const [change, message] of bad) expect(errorOf(() => encoder.push({ ...ok, ...change }))).toEqual({ code: 'ERR_CLICKHOUSE_VALUE', message: expect.stringContaining(message) });
    const { s, n, a, ns, u64, i8, f32 } = ok;
    expect(errorOf(() => encoder.push({ s, n, a, ns, u64, i8, f32 }))).toEqual({ code: 'ERR_CLICKHOUSE_VALUE', message: 'column f: no value' });
    expect(encoder.rowCount).toBe(1);
    expect(readRowBinary(Buffer.concat(encoder.chunks), encoder.types)).toEqual([['kept', 1, [], null, 0n, 0, 0, 0]]);
  });

  it('keeps nothing of a refused row even when its first values filled a buffer and moved to the next', () => {
    const encoder = new RowBinaryRows(COLUMNS);
    encoder.push({ s: 'kept', n: 1, a: [], ns: null });
    expect(errorOf(() => encoder.push({ s: 'y'.repeat(40_000), n: 2, a: ['\ud800'], ns: null }))?.code).toBe('ERR_CLICKHOUSE_VALUE');
    encoder.push({ s: 'z'.repeat(40_000), n: 3, a: ['b'], ns: 'c' });
    expect(encoder.rowCount).toBe(2);
    expect(readRowBinary(Buffer.concat(encoder.chunks), encoder.types)).toEqual([
      ['kept', 1, [], null],
      ['z'.repeat(40_000), 3, ['b'], 'c'],
    ]);
  });

  it('encodes into chunks that each hold whole rows, however long or non-ASCII the rows', () => {
    const rows = Array.from({ length: 600 }, (_, i) => ({ s: (i % 2 ? 'x' : '😀é').repeat(i * 10), n: i, a: [String(i)], ns: i % 3 ? null : 'n' }));
    const { encoder } = setup(rows);
    expect(encoder.chunks.length).toBeGreaterThan(1);
    const read = encoder.chunks.flatMap((chunk) => readRowBinary(chunk, encoder.types));
    expect(read).toEqual(rows.map((r) => [r.s, r.n, r.a, r.ns]));
  });

  it('refuses column names that are not plain identifiers and types it cannot write', () => {
    expect(errorOf(() => new RowBinaryRows({ ok: 'String', 'a b': 'String' }))?.code).toBe('ERR_CLICKHOUSE_VALUE');
    expect(() => new RowBinaryRows({})).toThrow(TypeError);
    for (const type of ['UUID', 'Decimal(9, 2)', 'Map(String, String)', 'Nullable(Strin)', "Enum8('a' = 1)"]) {
      expect(() => new RowBinaryRows({ c: type })).toThrow(/^RowBinaryRows cannot write a column of type /);
    }
  });
});
