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
  private buf = Buffer.alloc(0);
  private used = 0;
  /** Where the row being written starts in `buf` (it moves when a buffer fills). */
  private rowStart = 0;
  private rows = 0;

  /** `columns` in the order each line carries them; each must be a plain identifier. */
  constructor(readonly columns: readonly string[]) {
    if (columns.length === 0) throw new TypeError('TabSeparatedRows needs at least one column');
    for (const c of columns) sql.identifier(c);
  }

  get rowCount(): number {
    return this.rows;
  }

  /** The encoded body (UTF-8) in chunks that each end with a newline, in order. */
  get chunks(): readonly Buffer[] {
    if (this.used > 0) this.sealed.push(this.buf.subarray(0, this.used));
    this.buf = Buffer.alloc(0);
    this.used = this.rowStart = 0;
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
    const { columns } = this;
    try {
      if (!this.inKeyOrder(row)) {
        this.used = this.rowStart;
        for (let c = 0; c < columns.length; c += 1) {
          if (c > 0) this.byte(TAB);
          this.value(row[columns[c]], columns[c]);
        }
      }
      this.byte(NEWLINE);
    } catch (err) {
      this.used = this.rowStart;
      throw err;
    }
    this.rowStart = this.used;
    this.rows += 1;
  }

  /**
   * Writes the row's values if its own keys are exactly the columns, in order
   * (rows built for this table usually are): values read in key order come
   * from V8's enum cache, several times cheaper than a lookup by name per
   * column. Says false, with part of the row written, when they are not.
   */
  private inKeyOrder(row: Row): boolean {
    const { columns } = this;
    let c = 0;
    for (const key in row) {
      if (key !== columns[c]) return false;
      if (c > 0) this.byte(TAB);
      this.value(row[key], key);
      c += 1;
    }
    return c === columns.length;
  }

  private value(v: unknown, column: string): void {
    // Fast paths write the bytes `field` would return, without building its string:
    // plain ASCII strings, non-negative integers, null, arrays of plain ASCII strings.
    if (typeof v === 'string') {
      if (!this.plainAscii(v)) this.utf8(field(v, column));
    } else if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) {
      this.plainAscii(String(v));
    } else if (v === null) {
      this.byte(BACKSLASH);
      this.byte(CAPITAL_N);
    } else if (!Array.isArray(v) || !this.plainAsciiArray(v)) {
      this.utf8(field(v, column));
    }
  }

  /** Writes `s` if every character is printable ASCII other than quote and backslash; else writes nothing and says so. */
  private plainAscii(s: string): boolean {
    this.reserve(s.length);
    const { buf } = this;
    let at = this.used;
    for (let i = 0; i < s.length; i += 1) {
      const ch = s.charCodeAt(i);
      if (ch < 0x20 || ch > 0x7e || ch === QUOTE || ch === BACKSLASH) return false;
      buf[at++] = ch;
    }
    this.used = at;
    return true;
  }

  /** `['a', 'b']` (`[]` when empty) if every item is a plain ASCII string; else writes nothing and says so. */
  private plainAsciiArray(v: readonly unknown[]): boolean {
    const mark = this.used - this.rowStart; // relative: a full buffer moves the row
    this.byte(OPEN);
    for (let i = 0; i < v.length; i += 1) {
      if (i > 0) {
        this.byte(COMMA);
        this.byte(SPACE);
      }
      const item = v[i];
      this.byte(QUOTE);
      if (typeof item !== 'string' || !this.plainAscii(item)) {
        this.used = this.rowStart + mark;
        return false;
      }
      this.byte(QUOTE);
    }
    this.byte(CLOSE);
    return true;
  }

  private utf8(s: string): void {
    this.reserve(s.length * 3); // a UTF-16 unit is at most 3 bytes of UTF-8
    this.used += this.buf.write(s, this.used, 'utf8');
  }

  private byte(b: number): void {
    if (this.used === this.buf.length) this.reserve(1);
    this.buf[this.used++] = b;
  }

  /** Room for `n` more bytes; a new buffer takes the row written so far, and the old one ends on the last full row. */
  private reserve(n: number): void {
    if (this.used + n <= this.buf.length) return;
    const partial = this.used - this.rowStart;
    const size = Math.max(partial + n, Math.min(MAX_CHUNK_BYTES, Math.max(MIN_CHUNK_BYTES, this.buf.length * 2)));
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, this.rowStart, this.used);
    if (this.rowStart > 0) this.sealed.push(this.buf.subarray(0, this.rowStart));
    this.buf = next;
    this.used = partial;
    this.rowStart = 0;
  }
}

const [TAB, NEWLINE, QUOTE, BACKSLASH, CAPITAL_N, OPEN, CLOSE, COMMA, SPACE] = ['\t', '\n', "'", '\\', 'N', '[', ']', ',', ' '].map((c) => c.charCodeAt(0));

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
