import { isUtf8 } from 'node:buffer';
import { CodecErrorCode, EventCodecError } from './errors';

const MAX_LONG = 9007199254740990n; // avsc's safe-long bound; beyond it JS numbers lose digits
const DASH = 0x2d;

/** Where the guard is in one body, and how many items it has counted so far. */
export interface Cursor {
  readonly buf: Buffer;
  pos: number;
  readonly maxBytes: number;
  items: number;
}

/**
 * A check that failed. It is thrown without a path; every record field and
 * array or map item it unwinds through adds its own segment, so the happy
 * path never builds a path string.
 */
export class GuardFailure {
  /** Innermost first: field names and item indexes. */
  readonly segments: (string | number)[] = [];

  constructor(
    readonly code: CodecErrorCode,
    readonly what: string,
  ) {}

  /** The failure as the codec reports it: `a.b[2].c: what`, paths `['a.b[2].c']`. */
  toCodecError(): EventCodecError {
    let path = '';
    for (let i = this.segments.length - 1; i >= 0; i -= 1) {
      const s = this.segments[i];
      path = typeof s === 'number' ? `${path}[${s}]` : path ? `${path}.${s}` : s;
    }
    return new EventCodecError(this.code, path ? `${path}: ${this.what}` : this.what, path ? [path] : []);
  }
}

/** Adds `segment` to a failure unwinding through a field or item; anything else (a bug) passes unchanged. */
export function within(err: unknown, segment: string | number): unknown {
  if (err instanceof GuardFailure) err.segments.push(segment);
  return err;
}

export function fail(code: CodecErrorCode, what: string): never {
  throw new GuardFailure(code, what);
}

export function byte(c: Cursor): number {
  if (c.pos >= c.buf.length) fail('ERR_CODEC_TRUNCATED', 'data ends inside a value');
  return c.buf[c.pos++];
}

/** A zigzag varint as avsc reads it: int or long, refused beyond 10 bytes or the safe-long bound. */
export function varint(c: Cursor): number {
  const start = c.pos;
  let u = 0;
  let mul = 1;
  // Up to 7 bytes (49 bits) the plain number is exact; longer ones go through BigInt.
  for (let i = 0; i < 7; i++) {
    const b = byte(c);
    u += (b & 0x7f) * mul;
    if (b < 0x80) return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
    mul *= 128;
  }
  c.pos = start;
  let big = 0n;
  for (let i = 0n; i < 10n; i++) {
    const b = byte(c);
    big |= BigInt(b & 0x7f) << (7n * i);
    if (b < 0x80) {
      const n = (big >> 1n) ^ -(big & 1n);
      if (n > MAX_LONG || n < -MAX_LONG) fail('ERR_CODEC_MALFORMED', 'long beyond the JS safe integer range');
      return Number(n);
    }
  }
  return fail('ERR_CODEC_MALFORMED', 'varint longer than 10 bytes');
}

export function length(c: Cursor): number {
  const n = varint(c);
  if (n < 0) fail('ERR_CODEC_MALFORMED', 'negative length');
  if (n > c.maxBytes) fail('ERR_CODEC_TOO_LARGE', `length ${n} beyond the ${c.maxBytes}-byte limit`);
  return n;
}

export function index(c: Cursor, size: number): number {
  const i = varint(c);
  if (i < 0 || i >= size) fail('ERR_CODEC_MALFORMED', `index ${i} outside 0..${size - 1}`);
  return i;
}

/** Skips `n` bytes that must all be there; returns where they start. */
export function skip(c: Cursor, n: number): number {
  const left = c.buf.length - c.pos;
  if (n > left) fail('ERR_CODEC_TRUNCATED', `needs ${n} bytes, ${left} left`);
  c.pos += n;
  return c.pos - n;
}

/** A string: a length, then that many bytes of valid UTF-8. Returns where its bytes start. */
export function utf8(c: Cursor): number {
  const start = skip(c, length(c));
  checkUtf8(c.buf, start, c.pos);
  return start;
}

export function checkUtf8(buf: Buffer, start: number, end: number): void {
  // Most strings are ASCII: a byte loop is cheaper than a view plus a native call.
  let i = start;
  while (i < end && buf[i] < 0x80) i += 1;
  if (i < end && !isUtf8(buf.subarray(i, end))) fail('ERR_CODEC_MALFORMED', 'string is not valid UTF-8');
}

/** The bytes from `start` to `c.pos` spell what isUuidText accepts, read in place (a uuid is ASCII, so no decoding). */
export function isUuidBytes(c: Cursor, start: number): boolean {
  const { buf, pos: end } = c;
  if (end - start !== 36) return false;
  for (let k = 0; k < 36; k += 1) {
    const b = buf[start + k];
    const ok = k === 8 || k === 13 || k === 18 || k === 23 ? b === DASH : (b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x66);
    if (!ok) return false;
  }
  return true;
}
