import { ClickHouseError } from './clickhouse-error';
import { valueWriter, ValueWriter } from './row-binary-writers';
import { RowSink } from './row-sink';
import { sql } from './sql';

/** A row as RowBinaryRows takes it: column name to value. */
type Row = Readonly<Record<string, unknown>>;

/**
 * Rows encoded as a RowBinary body for `ClickHouseStore.insertRowBinary`, one
 * row at a time, so a writer can encode while it reads and drop the row.
 * RowBinary has no escaping to do on this side and no text to parse on the
 * server's: each value is its type's bytes (ClickHouse 18.16 and current
 * releases read the same layout).
 *
 * Values by column type: String takes a string (UTF-8; lone surrogates are
 * refused, as the escaping helper refuses them); integers and DateTime take
 * integers in the type's range (DateTime as unix seconds; 64-bit ones also
 * bigints); floats take finite numbers; Nullable(T) takes null or a T;
 * Array(T) takes an array of T. Anything else (undefined, a Date, a number
 * for a String, an out-of-range integer) is refused.
 */
export class RowBinaryRows {
  /** Column names in the order each row carries them. */
  readonly columns: readonly string[];
  /** Column types as the table declares them, by column. */
  readonly types: readonly string[];
  private readonly writers: readonly ValueWriter[];
  private readonly sink = new RowSink();
  private rows = 0;

  /** `columns`: name to ClickHouse type, in the order each row carries them; each name a plain identifier. */
  constructor(columns: Readonly<Record<string, string>>) {
    this.columns = Object.keys(columns);
    if (this.columns.length === 0) throw new TypeError('RowBinaryRows needs at least one column');
    for (const c of this.columns) sql.identifier(c);
    this.types = Object.values(columns);
    this.writers = this.types.map(valueWriter);
  }

  get rowCount(): number {
    return this.rows;
  }

  /** The encoded body in chunks that each end on a row boundary, in order. */
  get chunks(): readonly Buffer[] {
    return this.sink.chunks();
  }

  /**
   * Encodes and appends one row. Throws ERR_CLICKHOUSE_VALUE naming the
   * column when a value cannot be sent; nothing of that row is appended then.
   */
  push(row: Row): void {
    const { columns, writers, sink } = this;
    let c = 0;
    try {
      // Rows built for this table usually hold exactly the columns in order:
      // values read in key order come from V8's enum cache, several times
      // cheaper than a lookup by name per column.
      for (const key in row) {
        if (key !== columns[c]) break;
        writers[c](sink, row[key]);
        c += 1;
      }
      if (c !== columns.length) {
        sink.dropRow();
        for (c = 0; c < columns.length; c += 1) writers[c](sink, row[columns[c]]);
      }
    } catch (err) {
      sink.dropRow();
      if (err instanceof ClickHouseError && err.code === 'ERR_CLICKHOUSE_VALUE') {
        throw new ClickHouseError('ERR_CLICKHOUSE_VALUE', `column ${columns[c]}: ${err.message}`, { cause: err });
      }
      throw err;
    }
    sink.endRow();
    this.rows += 1;
  }
}
