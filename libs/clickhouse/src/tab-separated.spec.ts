import { ClickHouseError } from './clickhouse-error';
import { HOSTILE_STRINGS } from './hostile-strings.fixture';
import { sql } from './sql';
import { TabSeparatedRows } from './tab-separated';

const COLUMNS = ['s', 'n', 'a'];

function setup(rows: Array<Record<string, unknown>>, columns = COLUMNS) {
  const tsv = new TabSeparatedRows(columns);
  for (const row of rows) tsv.push(row);
  return { tsv, lines: tsv.text.split('\n').slice(0, -1) };
}

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (err) {
    return err instanceof ClickHouseError ? err.code : 'not a ClickHouseError';
  }
  return undefined;
};

describe('TabSeparatedRows', () => {
  it('writes one line per row, the columns in the given order, whatever the key order', () => {
    const { tsv, lines } = setup([
      { a: ['x', 'y'], n: 7, s: 'one' },
      { s: 'two', n: 0, a: [] },
    ]);
    expect(lines).toEqual(["one\t7\t['x', 'y']", 'two\t0\t[]']);
    expect(tsv.rowCount).toBe(2);
    expect(tsv.text.endsWith('\n')).toBe(true);
  });

  it.each(Object.entries(HOSTILE_STRINGS))('escapes %s exactly as sql.string does, so no tab or newline is raw', (_name, value) => {
    const { lines } = setup([{ s: value, n: 1, a: [value] }]);
    expect(lines).toHaveLength(1);
    const [s, n, a] = lines[0].split('\t');
    expect(s).toBe(sql.string(value).slice(1, -1));
    expect(n).toBe('1');
    expect(a).toBe(sql.array([value]));
  });

  it('sends null as \\N, booleans as 0/1, negative and fractional numbers, bigints and nested arrays as the helper does', () => {
    const { lines } = setup([{ s: null, n: -5, a: [[1, -2], [null]] }, { s: true, n: 0.25, a: [10n, false] }]);
    expect(lines).toEqual([`\\N\t-5\t${sql.array([[1, -2], [null]])}`, '1\t0.25\t[10, 0]']);
  });

  it('refuses what it cannot send with ERR_CLICKHOUSE_VALUE naming the column, and keeps nothing of that row', () => {
    const tsv = new TabSeparatedRows(COLUMNS);
    tsv.push({ s: 'kept', n: 1, a: [] });
    const bad: Array<Record<string, unknown>> = [
      { s: 'x\ud800', n: 1, a: [] },
      { s: 'x', n: 1, a: ['\udfff'] },
      { s: 'x', n: NaN, a: [] },
      { s: 'x', n: Infinity, a: [] },
      { s: 'x', n: 1 },
      { s: 'x', n: 1, a: { not: 'an array' } },
      { s: new Date(0), n: 1, a: [] },
      { s: 'x', n: 1, a: [{}] },
    ];
    for (const row of bad) expect(codeOf(() => tsv.push(row))).toBe('ERR_CLICKHOUSE_VALUE');
    expect(() => tsv.push({ s: 'x', n: 1 })).toThrow(/column a: no value/);
    expect(tsv.rowCount).toBe(1);
    expect(tsv.text).toBe('kept\t1\t[]\n');
  });

  it('writes arrays with any item needing an escape as sql.array does, after plain items were already written', () => {
    const values = ['plain', "it's", 'tab\there', 'é'];
    for (let i = 0; i < values.length; i += 1) {
      const a = values.slice(0, i + 1);
      expect(setup([{ s: 'x', n: 1, a }]).lines).toEqual([`x\t1\t${sql.array(a)}`]);
    }
  });

  it('keeps nothing of a refused row even when its first values filled a buffer and moved to the next', () => {
    const tsv = new TabSeparatedRows(COLUMNS);
    tsv.push({ s: 'kept', n: 1, a: [] });
    expect(codeOf(() => tsv.push({ s: 'y'.repeat(40_000), n: 2, a: ['\ud800'] }))).toBe('ERR_CLICKHOUSE_VALUE');
    tsv.push({ s: 'z'.repeat(40_000), n: 3, a: ['b'] });
    expect(tsv.rowCount).toBe(2);
    expect(tsv.text).toBe(`kept\t1\t[]\n${'z'.repeat(40_000)}\t3\t['b']\n`);
  });

  it('refuses columns that are not plain identifiers', () => {
    expect(codeOf(() => new TabSeparatedRows(['ok', 'a b']))).toBe('ERR_CLICKHOUSE_VALUE');
    expect(() => new TabSeparatedRows([])).toThrow(TypeError);
  });

  it('encodes into UTF-8 chunks that each end on a row, however long or non-ASCII the rows', () => {
    const rows = Array.from({ length: 600 }, (_, i) => ({ s: (i % 2 ? 'x' : '😀é').repeat(i * 10), n: i, a: [] }));
    const { tsv } = setup(rows);
    expect(tsv.chunks.length).toBeGreaterThan(1);
    for (const chunk of tsv.chunks) expect(chunk[chunk.length - 1]).toBe(0x0a);
    const lines = Buffer.concat(tsv.chunks).toString('utf8').split('\n');
    expect(lines).toHaveLength(601);
    expect(lines.slice(0, -1).map((l) => l.split('\t')[0])).toEqual(rows.map((r) => r.s));
  });
});
