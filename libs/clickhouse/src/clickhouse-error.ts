/**
 * Stable error codes of the ClickHouse adapter. Callers branch on `code` and
 * `retriable`, never on messages (server wording differs between 18.16 and now).
 */
export type ClickHouseErrorCode =
  /** Network failure, timeout, overload or another transient server state: retry, never drop. */
  | 'ERR_CLICKHOUSE_UNAVAILABLE'
  /** The server refused our credentials. Retriable: it is the environment, not the data, that is wrong. */
  | 'ERR_CLICKHOUSE_AUTH'
  /** The server rejected the statement or its data (syntax, types, unknown table): retrying cannot help. */
  | 'ERR_CLICKHOUSE_QUERY'
  /** The escaping helper refused a value (lone surrogate, NaN, bad identifier): a poison value. */
  | 'ERR_CLICKHOUSE_VALUE'
  /** A migration file is malformed or an applied migration changed. */
  | 'ERR_CLICKHOUSE_MIGRATION';

const RETRIABLE: Record<ClickHouseErrorCode, boolean> = {
  ERR_CLICKHOUSE_UNAVAILABLE: true,
  ERR_CLICKHOUSE_AUTH: true,
  ERR_CLICKHOUSE_QUERY: false,
  ERR_CLICKHOUSE_VALUE: false,
  ERR_CLICKHOUSE_MIGRATION: false,
};

/** The one error type this lib throws (bugs such as a TypeError excepted). */
export class ClickHouseError extends Error {
  readonly retriable: boolean;
  /** ClickHouse's own numeric error code (`Code: 62`), when the server sent one. */
  readonly serverCode: number | undefined;

  constructor(
    readonly code: ClickHouseErrorCode,
    message: string,
    options: { cause?: unknown; serverCode?: number } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ClickHouseError';
    this.retriable = RETRIABLE[code];
    this.serverCode = options.serverCode;
  }
}
