import { ClickHouseError } from './clickhouse-error';

/** A value that `sql.value` can render as a ClickHouse literal. */
export type SqlValue = string | number | bigint | boolean | null | undefined | Date | Uint8Array | readonly SqlValue[];

// Backslash, quote and every control byte become escapes, so a literal is one
// line of text whatever the value holds. Everything else (all of Unicode) is
// sent as raw UTF-8, which the server stores byte for byte.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const NEEDS_ESCAPE = /[\\'\u0000-\u001f\u007f]/g;
// In a `u` regex a surrogate pair is one code point, so this matches only lone halves.
const LONE_SURROGATE = /\p{Cs}/u;
const IDENTIFIER_PART = /^[A-Za-z_][A-Za-z0-9_]{0,254}$/;
const MAX_DATETIME_SECONDS = 0xffffffff; // DateTime is a UInt32 of seconds

const hex2 = (n: number): string => n.toString(16).padStart(2, '0');

function escapeChar(c: string): string {
  if (c === '\\') return '\\\\';
  if (c === "'") return "\\'";
  return `\\x${hex2(c.charCodeAt(0))}`;
}

function valueError(message: string): ClickHouseError {
  return new ClickHouseError('ERR_CLICKHOUSE_VALUE', message);
}

/**
 * Refuses strings that cannot be encoded as UTF-8. Node would silently turn a
 * lone surrogate into U+FFFD on the wire, so the stored bytes would differ
 * from what the caller holds: an audit store must refuse rather than alter.
 */
export function assertWellFormed(v: string, where = 'string'): void {
  if (LONE_SURROGATE.test(v)) throw valueError(`${where} contains a lone UTF-16 surrogate and is not valid Unicode`);
}

function string(v: string | Uint8Array): string {
  if (typeof v === 'string') {
    assertWellFormed(v);
    return `'${v.replace(NEEDS_ESCAPE, escapeChar)}'`;
  }
  // Bytes need not be UTF-8, so every byte outside printable ASCII is escaped.
  let out = "'";
  for (const b of v) {
    out += b === 0x5c ? '\\\\' : b === 0x27 ? "\\'" : b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${hex2(b)}`;
  }
  return `${out}'`;
}

function identifier(name: string): string {
  const parts = name.split('.');
  if (parts.length > 2 || !parts.every((p) => IDENTIFIER_PART.test(p))) {
    throw valueError(`invalid identifier ${JSON.stringify(name)}: use [A-Za-z_][A-Za-z0-9_]*, optionally "database.table"`);
  }
  return parts.map((p) => `\`${p}\``).join('.');
}

function number(v: number | bigint): string {
  if (typeof v === 'number' && !Number.isFinite(v)) throw valueError(`number must be finite, got ${v}`);
  const text = typeof v === 'bigint' ? v.toString() : String(Object.is(v, -0) ? 0 : v);
  // A leading space keeps `a-${n}` from becoming `a--1`, which would start a comment.
  return text.startsWith('-') ? ` ${text}` : text;
}

function dateTime(ms: number | Date): string {
  const t = typeof ms === 'number' ? ms : ms.getTime();
  const seconds = Math.floor(t / 1000);
  if (!Number.isFinite(t) || seconds < 0 || seconds > MAX_DATETIME_SECONDS) {
    throw valueError(`DateTime must be between 1970-01-01 and 2106-02-07 UTC, got ${t} ms`);
  }
  // Unix seconds plus an explicit zone: the server's own time zone never matters.
  return `toDateTime(${seconds}, 'UTC')`;
}

function value(v: SqlValue): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'string' || v instanceof Uint8Array) return string(v);
  if (typeof v === 'number' || typeof v === 'bigint') return number(v);
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (v instanceof Date) return dateTime(v);
  return array(v);
}

function array(values: readonly SqlValue[]): string {
  return `[${values.map(value).join(', ')}]`;
}

/**
 * The one escaping helper. ClickHouse 18.16 has no server-side query
 * parameters, so every value that reaches SQL text goes through here.
 * Each function returns a complete SQL fragment (quotes included).
 */
export const sql = Object.freeze({
  /** A quoted String literal. Strings must be valid Unicode; bytes may be anything. */
  string,
  /** A backquoted identifier, `name` or `database.name`; anything else is refused. */
  identifier,
  /** A numeric literal; NaN and Infinity are refused. */
  number,
  /** A DateTime (second precision, UTC) from epoch milliseconds or a Date. */
  dateTime,
  /** An Array literal of any values `value` accepts. */
  array,
  /** Any supported value by its JavaScript type; null and undefined become NULL. */
  value,
});
