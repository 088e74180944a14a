import { ClickHouseError as ClientServerError } from '@clickhouse/client';
import { ClickHouseError } from './clickhouse-error';

// Server error codes that describe the server's state, not our statement.
// Numbers from ClickHouse's ErrorCodes.cpp; stable across 18.16 and current releases.
const TRANSIENT_SERVER_CODES = new Set([
  159, // TIMEOUT_EXCEEDED
  160, // TOO_SLOW
  202, // TOO_MANY_SIMULTANEOUS_QUERIES
  203, // NO_FREE_CONNECTION
  209, // SOCKET_TIMEOUT
  210, // NETWORK_ERROR
  236, // ABORTED
  241, // MEMORY_LIMIT_EXCEEDED
  242, // TABLE_IS_READ_ONLY (replica lost its coordinator)
  252, // TOO_MANY_PARTS (inserts faster than merges: back off)
  285, // TOO_FEW_LIVE_REPLICAS
  319, // UNKNOWN_STATUS_OF_INSERT
  394, // QUERY_WAS_CANCELLED (server shutting down)
  425, // SYSTEM_ERROR
  999, // KEEPER_EXCEPTION
]);
const AUTH_SERVER_CODES = new Set([
  192, // UNKNOWN_USER
  193, // WRONG_PASSWORD
  194, // REQUIRED_PASSWORD
  195, // IP_ADDRESS_NOT_ALLOWED
  497, // ACCESS_DENIED
  516, // AUTHENTICATION_FAILED
]);
// Socket-level failures raised by Node before or while talking to the server.
const NETWORK_ERRNOS = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH',
  'ENETUNREACH', 'ENETDOWN', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_SOCKET',
]);
// @clickhouse/client reports its own request timeout and dropped sockets by message only.
const NETWORK_MESSAGES = /^(Timeout error\.|socket hang up|The user aborted a request\.)/;

// 18.16 writes "Code: 62, e.displayText() = DB::Exception: ..."; current releases
// write "Code: 62. DB::Exception: ... (SYNTAX_ERROR)". The client's own parser only
// knows the second form, so we read the number ourselves.
const SERVER_CODE = /^\s*Code: (\d+)[.,]/;

/** The ClickHouse server code at the start of an error message, if any. */
export function serverCodeOf(message: string): number | undefined {
  const m = SERVER_CODE.exec(message);
  return m ? Number(m[1]) : undefined;
}

/**
 * Turns whatever the client threw into a ClickHouseError. JavaScript bugs
 * (TypeError, RangeError, ...) are returned unchanged so they crash loudly
 * instead of being retried.
 */
export function toClickHouseError(err: unknown, operation: string): Error {
  if (err instanceof ClickHouseError) return err;
  if (!(err instanceof Error)) {
    return new ClickHouseError('ERR_CLICKHOUSE_UNAVAILABLE', `${operation} failed: ${String(err)}`, { cause: err });
  }
  const fromServer = err instanceof ClientServerError;
  if (!fromServer && err.constructor !== Error) return err;
  const serverCode = fromServer ? Number(err.code) : serverCodeOf(err.message);
  const text = `${operation} failed: ${firstLine(err.message)}`;
  if (serverCode !== undefined && Number.isInteger(serverCode)) {
    const code = AUTH_SERVER_CODES.has(serverCode)
      ? 'ERR_CLICKHOUSE_AUTH'
      : TRANSIENT_SERVER_CODES.has(serverCode)
        ? 'ERR_CLICKHOUSE_UNAVAILABLE'
        : 'ERR_CLICKHOUSE_QUERY';
    return new ClickHouseError(code, text, { cause: err, serverCode });
  }
  // No server code: a socket error, a timeout, or a proxy's HTML error page.
  // All of them say "the server was not reachable as ClickHouse", so retry.
  const errno = (err as { code?: unknown }).code;
  const known = (typeof errno === 'string' && NETWORK_ERRNOS.has(errno)) || NETWORK_MESSAGES.test(err.message);
  return new ClickHouseError('ERR_CLICKHOUSE_UNAVAILABLE', known ? text : `${text} (unrecognised error)`, {
    cause: err,
  });
}

function firstLine(message: string): string {
  const line = message.split('\n', 1)[0] ?? '';
  return line.length > 500 ? `${line.slice(0, 500)}…` : line;
}
