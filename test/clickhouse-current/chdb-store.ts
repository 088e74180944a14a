import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'chdb';
import { ClickHouseError, ClickHouseRow, ClickHouseStore, RowBinaryRows, sql } from '@tokenwarden/clickhouse';

/** What the migration runner, the projector and the retention job call on a store. */
export type SqlStore = Pick<ClickHouseStore, 'command' | 'query' | 'insert' | 'insertRowBinary'>;

// ClickHouse 25.8 stopped quoting 64-bit integers in JSON output by default;
// the store's callers (and every expected answer in test/analyst) read them as
// strings, as 18.16 sends them. The engine gets the old default at connect.
const CONNECTION_ARGS = ['--output_format_json_quote_64bit_integers=1'];

/**
 * The current ClickHouse engine in-process (chdb), behind the same methods as
 * ClickHouseStore: SQL text in, JSONEachRow rows out, RowBinary bodies in,
 * ClickHouseError on failure. Only the transport differs; the SQL is the
 * caller's, sent unchanged. One session per test file, in its own folder
 * under the OS temp dir, removed by `close()`.
 */
export class ChdbStore implements SqlStore {
  private constructor(
    private readonly session: Session,
    /** The session's data folder. */
    readonly dir: string,
  ) {}

  static open(): ChdbStore {
    const dir = mkdtempSync(join(tmpdir(), 'tw-chdb-'));
    try {
      return new ChdbStore(new Session(dir, { connectionArgs: CONNECTION_ARGS }), dir);
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }

  async command(statement: string): Promise<void> {
    await this.run(statement, 'TabSeparated');
  }

  async query<T = Record<string, unknown>>(select: string): Promise<T[]> {
    const text = await this.run(select, 'JSONEachRow');
    return text.split('\n').filter((line) => line.length > 0).map((line) => JSON.parse(line) as T);
  }

  /** As ClickHouseStore.insert: `INSERT INTO t FORMAT JSONEachRow`, one JSON object a line. */
  async insert(table: string, rows: readonly ClickHouseRow[]): Promise<void> {
    if (rows.length === 0) return;
    sql.identifier(table); // refuses what the store refuses; chdb checks and writes the name itself
    try {
      await this.session.insert({ table, values: rows.map((row) => JSON.stringify(row)).join('\n'), format: 'JSONEachRow' });
    } catch (err) {
      throw queryError(err, `insert into ${table}`);
    }
  }

  /**
   * As ClickHouseStore.insertRowBinary: the parts' RowBinary bytes into `table (columns)`.
   * chdb takes raw inserts in text formats only, so the bytes go in as a string
   * literal (every byte outside printable ASCII escaped by the escaping helper)
   * read by the `format` table function with the parts' column types: the
   * engine reads exactly the bytes the projector sends.
   */
  async insertRowBinary(table: string, parts: RowBinaryRows | readonly RowBinaryRows[]): Promise<void> {
    const list = parts instanceof RowBinaryRows ? [parts] : parts;
    if (list.every((p) => p.rowCount === 0)) return;
    const { columns, types } = list[0];
    if (list.some((p) => p.columns.join() !== columns.join() || p.types.join() !== types.join())) {
      throw new TypeError('insertRowBinary: parts name different columns');
    }
    const names = columns.map((c) => sql.identifier(c));
    const structure = names.map((c, i) => `${c} ${types[i]}`).join(', ');
    const body = Buffer.concat(list.flatMap((p) => p.chunks));
    await this.run(
      `INSERT INTO ${sql.identifier(table)} (${names.join(', ')}) SELECT * FROM format(RowBinary, ${sql.string(structure)}, ${sql.string(body)})`,
      'TabSeparated',
    );
  }

  /** Releases the engine and removes its data folder. */
  close(): void {
    this.session.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async run(statement: string, format: string): Promise<string> {
    try {
      return (await this.session.queryAsync(statement, { format })).text();
    } catch (err) {
      throw queryError(err, statement);
    }
  }
}

// Names the statement, so a migration that fails on the current engine is
// reported with the statement that failed, not only the server's message.
function queryError(err: unknown, what: string): ClickHouseError {
  const serverCode = (err as { clickhouseCode?: unknown }).clickhouseCode;
  const message = err instanceof Error ? err.message : String(err);
  return new ClickHouseError('ERR_CLICKHOUSE_QUERY', `${message}\n  in: ${what.slice(0, 300)}`, {
    cause: err,
    serverCode: typeof serverCode === 'number' ? serverCode : undefined,
  });
}
