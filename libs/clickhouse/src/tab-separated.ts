import { ClickHouseError } from './clickhouse-error';
import { sql, SqlValue } from './sql';

/** A row as JSONEachRow or TabSeparated take it: column name to value. */
type Row = Readonly<Record<string, unknown>>;

// Most strings need no escape and go out as they are: nothing in them that
// `sql.string` would escape or refuse (a string with any surrogate, even a
// valid pair, takes the slow path through `sql.string`).
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const PLAIN = /^[^\\'\u0000-\u001f\u007f\ud800-\udfff]*$/;

/**
 * Rows encoded as a TabSeparated body for `ClickHouseStore.insertTabSeparated`,
 * one row at a time, so a writer can encode while it reads and drop the row.
 *
 * The escaping is the escaping helper's: a string is its `sql.string` literal
 * without the quotes (backslash, quote and every control byte escaped, lone
 * surrogates refused; TabSeparated reads the same escapes), so no tab or
 * newline of a value reaches the wire raw. An array is its `sql.array`
 * literal, which TabSeparated reads as is. null is \N. Numbers must be
 * finite. Objects, undefined and Dates are refused (send unix seconds).
 */
export class TabSeparatedRows {
  // Lines go straight into UTF-8 buffers: no rope of small strings that keeps
  // every field alive, and no second copy when the body is sent.
  private readonly sealed: Buffer[] = [];
  private buf: Buffer | undefined;
  private used = 0;
  private readonly fields: string[];
  private rows = 0;

  /** `columns` in the order each line carries them; each must be a plain identifier. */
  constructor(readonly columns: readonly string[]) {
    if (columns.length === 0) throw new TypeError('TabSeparatedRows needs at least one column');
    for (const c of columns) sql.identifier(c);
    this.fields = new Array<string>(columns.length);
  }

  get rowCount(): number {
    return this.rows;
  }

  /** The encoded body (UTF-8) in chunks that each end with a newline, in order. */
  get chunks(): readonly Buffer[] {
    this.seal();
    return this.sealed;
  }

  /** The whole encoded body as a string. */
  get text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }

  /**
   * Encodes and appends one row. Throws ERR_CLICKHOUSE_VALUE naming the
   * column when a value cannot be sent; nothing of that row is appended then.
   */
  push(row: Row): void {
    const { columns, fields } = this;
    for (let c = 0; c < columns.length; c += 1) fields[c] = field(row[columns[c]], columns[c]);
    const line = fields.join('\t');
    const most = line.length * 3 + 1; // a UTF-16 unit is at most 3 bytes of UTF-8
    if (!this.buf || this.used + most > this.buf.length) {
      const previous = this.buf?.length ?? 0;
      this.seal();
      this.buf = Buffer.allocUnsafe(Math.max(most, Math.min(MAX_CHUNK_BYTES, Math.max(MIN_CHUNK_BYTES, previous * 2))));
    }
    this.used += this.buf.write(line, this.used, 'utf8');
    this.buf[this.used++] = 0x0a;
    this.rows += 1;
  }

  private seal(): void {
    if (this.buf && this.used > 0) this.sealed.push(this.buf.subarray(0, this.used));
    this.buf = undefined;
    this.used = 0;
  }
}

const MIN_CHUNK_BYTES = 16 * 1024;
const MAX_CHUNK_BYTES = 1024 * 1024;

function field(v: unknown, column: string): string {
  // Fast paths, each producing exactly what the helper would: plain strings,
  // non-negative integers, arrays of plain strings.
  if (typeof v === 'string' && PLAIN.test(v)) return v;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return String(v);
  if (Array.isArray(v) && v.every(isPlainString)) return v.length === 0 ? '[]' : `['${v.join("', '")}']`;
  try {
    if (typeof v === 'string') return sql.string(v).slice(1, -1);
    if (typeof v === 'number' || typeof v === 'bigint') return sql.number(v).trimStart();
    if (v === null) return '\\N';
    if (typeof v === 'boolean') return v ? '1' : '0';
    if (Array.isArray(v) && v.every(isArrayItem)) return sql.array(v as SqlValue[]);
  } catch (err) {
    if (err instanceof ClickHouseError) throw new ClickHouseError('ERR_CLICKHOUSE_VALUE', `column ${column}: ${err.message}`, { cause: err });
    throw err;
  }
  const what = v === undefined ? 'no value' : `a ${v instanceof Date ? 'Date' : typeof v}, which TabSeparatedRows does not send`;
  throw new ClickHouseError('ERR_CLICKHOUSE_VALUE', `column ${column}: ${what}`);
}

function isPlainString(v: unknown): boolean {
  return typeof v === 'string' && PLAIN.test(v);
}

function isArrayItem(v: unknown): boolean {
  const t = typeof v;
  return v === null || t === 'string' || t === 'number' || t === 'bigint' || t === 'boolean' || (Array.isArray(v) && v.every(isArrayItem));
}
