import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { ClickHouseClient, ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { toClickHouseError } from './classify-error';
import { assertWellFormed, sql } from './sql';
import { RowBinaryRows } from './row-binary';

/** How to reach ClickHouse. Field names follow `TW_CLICKHOUSE_*` in the config lib. */
export interface ClickHouseOptions {
  url: string;
  user: string;
  password: string;
  /** Per request. Results are buffered server-side, so it bounds the whole query. Default 30 000. */
  requestTimeoutMs?: number;
  /** Size of the keep-alive socket pool. Default 10. */
  maxOpenConnections?: number;
}

/** A JSON object as inserted with JSONEachRow: column name to value. */
export type ClickHouseRow = Record<string, unknown>;

/**
 * The adapter every service uses to talk to ClickHouse over HTTP. It hides
 * @clickhouse/client: callers see SQL text, plain rows and ClickHouseError.
 * No default database: statements name `database.table`, so the same store
 * can create the database it will later use.
 */
export class ClickHouseStore {
  private readonly client: ClickHouseClient;

  constructor(options: ClickHouseOptions) {
    this.client = createClient(clientOptions(options));
  }

  /** Runs a statement that returns no rows (DDL, INSERT ... VALUES). */
  async command(statement: string): Promise<void> {
    try {
      await this.client.command({ query: statement });
    } catch (err) {
      throw toClickHouseError(err, 'command');
    }
  }

  /**
   * Runs a SELECT and returns its rows as JSON objects. 64-bit integers
   * (including `count()`) arrive as strings, as ClickHouse quotes them in JSON.
   */
  async query<T = ClickHouseRow>(select: string): Promise<T[]> {
    try {
      const result = await this.client.query({ query: select, format: 'JSONEachRow' });
      return await result.json<T>();
    } catch (err) {
      throw toClickHouseError(err, 'query');
    }
  }

  /**
   * Inserts rows with JSONEachRow. Send every column: ClickHouse 18.16 fills
   * an omitted field with the type's zero value, not the column's DEFAULT.
   * DateTime values may be unix seconds or 'YYYY-MM-DD hh:mm:ss' text.
   */
  async insert(table: string, rows: readonly ClickHouseRow[]): Promise<void> {
    if (rows.length === 0) return;
    const target = sql.identifier(table);
    rows.forEach((row, i) => assertRowWellFormed(row, `${table} row ${i}`));
    try {
      await this.client.insert({ table: target, values: rows as ClickHouseRow[], format: 'JSONEachRow' });
    } catch (err) {
      throw toClickHouseError(err, `insert into ${table}`);
    }
  }

  /**
   * Inserts rows already encoded by `RowBinaryRows` (several parts become one
   * insert, in order; they must name the same columns with the same types).
   * Neither side escapes or parses text, so high-volume writers use this.
   */
  async insertRowBinary(table: string, parts: RowBinaryRows | readonly RowBinaryRows[]): Promise<void> {
    const list = parts instanceof RowBinaryRows ? [parts] : parts;
    if (list.every((p) => p.rowCount === 0)) return;
    const target = sql.identifier(table);
    const { columns, types } = list[0];
    if (list.some((p) => p.columns.join() !== columns.join() || p.types.join() !== types.join())) {
      throw new TypeError('insertRowBinary: parts name different columns');
    }
    try {
      // The client's insert() takes text formats only; exec sends the body as is.
      const result = await this.client.exec({
        query: `INSERT INTO ${target} (${columns.map((c) => sql.identifier(c)).join(', ')}) FORMAT RowBinary`,
        values: Readable.from(list.flatMap((p) => p.chunks), { objectMode: false }),
      });
      result.stream.resume();
      await finished(result.stream);
    } catch (err) {
      throw toClickHouseError(err, `insert into ${table}`);
    }
  }

  /** True when the server answers its /ping endpoint; never throws. */
  async ping(): Promise<boolean> {
    try {
      return (await this.client.ping()).success;
    } catch {
      return false;
    }
  }

  /** Closes idle sockets. The store cannot be used afterwards. */
  async close(): Promise<void> {
    await this.client.close();
  }
}

/** Store options from the parsed infrastructure config (`loadInfraConfig`). */
export function clickHouseOptionsFromConfig(config: {
  TW_CLICKHOUSE_URL: string;
  TW_CLICKHOUSE_USER: string;
  TW_CLICKHOUSE_PASSWORD: string;
}): ClickHouseOptions {
  return { url: config.TW_CLICKHOUSE_URL, user: config.TW_CLICKHOUSE_USER, password: config.TW_CLICKHOUSE_PASSWORD };
}

// Chosen to work on ClickHouse 18.16 and on current releases alike.
function clientOptions(options: ClickHouseOptions): Parameters<typeof createClient>[0] {
  return {
    url: options.url,
    username: options.user,
    password: options.password,
    request_timeout: options.requestTimeoutMs ?? 30_000,
    max_open_connections: options.maxOpenConnections ?? 10,
    // Every failure reaches the caller as a ClickHouseError with its cause;
    // the client's own console logging would only repeat it.
    log: { level: ClickHouseLogLevel.OFF },
    clickhouse_settings: {
      // Without it ClickHouse streams rows and, if it fails half-way, appends
      // the exception text to a 200 response: JSON parsing then fails with a
      // SyntaxError that hides the server's code. Buffering the result makes
      // every failure a proper HTTP error. It is an HTTP-handler parameter,
      // accepted by 18.16 and by current releases.
      wait_end_of_query: 1,
      // ClickHouse 25.8 stopped quoting 64-bit integers in JSON by default;
      // `query` promises strings for them (as 18.16 sends), so ask for it.
      output_format_json_quote_64bit_integers: 1,
    },
  };
}

function assertRowWellFormed(value: unknown, where: string): void {
  if (typeof value === 'string') assertWellFormed(value, where);
  else if (Array.isArray(value)) value.forEach((v) => assertRowWellFormed(v, where));
  else if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    for (const [k, v] of Object.entries(value)) assertRowWellFormed(v, `${where}.${k}`);
  }
}
