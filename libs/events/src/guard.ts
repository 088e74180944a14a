import { isUtf8 } from 'node:buffer';
import { Type } from 'avsc';
import { CodecErrorCode, EventCodecError } from './errors';
import { isUuidText } from './uuid-type';

/**
 * Checks an Avro body against its writer schema before avsc decodes it.
 *
 * Why: avsc trusts the bytes. An array block count of 2^40 makes it loop
 * (and allocate) 2^40 times; out-of-range varints, enum or union indexes,
 * invalid UTF-8 and booleans other than 0/1 come out as odd values or stray
 * TypeErrors. This walk reads every value once without building it, bounded
 * by the buffer: each length must fit in the bytes left, each item either
 * consumes bytes or counts against a budget of `maxBytes` items, nesting is
 * capped. After it passes, avsc only sees well-formed input.
 */
const MAX_DEPTH = 64;
const MAX_LONG = 9007199254740990n; // avsc's safe-long bound; beyond it JS numbers lose digits

interface Cursor {
  readonly buf: Buffer;
  pos: number;
  readonly maxBytes: number;
  items: number;
}
type Branches = { readonly types: readonly Type[] };
type Fields = { readonly fields: readonly { readonly name: string; readonly type: Type }[] };

export function checkBody(type: Type, buf: Buffer, start: number, maxBytes: number): void {
  const c: Cursor = { buf, pos: start, maxBytes, items: 0 };
  walk(type, c, '', 0);
  if (c.pos !== buf.length) fail('ERR_CODEC_TRAILING_BYTES', `${buf.length - c.pos} bytes after the record`, '');
}

function walk(type: Type, c: Cursor, path: string, depth: number): void {
  if (depth > MAX_DEPTH) fail('ERR_CODEC_MALFORMED', `nesting deeper than ${MAX_DEPTH}`, path);
  const t = type as unknown as Record<string, unknown>;
  switch (type.typeName) {
    case 'null':
      return;
    case 'boolean':
      if (byte(c, path) > 1) fail('ERR_CODEC_MALFORMED', 'boolean byte is not 0 or 1', path);
      return;
    case 'int': {
      const n = varint(c, path);
      if (n < -0x80000000 || n > 0x7fffffff) fail('ERR_CODEC_MALFORMED', 'int outside 32 bits', path);
      return;
    }
    case 'long':
      varint(c, path);
      return;
    case 'float':
      take(c, 4, path);
      return;
    case 'double':
      take(c, 8, path);
      return;
    case 'bytes':
      take(c, length(c, path), path);
      return;
    case 'fixed':
      take(c, t.size as number, path);
      return;
    case 'string':
      utf8(c, path);
      return;
    case 'logical:uuid':
      if (!isUuidText(utf8(c, path).toString('utf8'))) {
        fail('ERR_CODEC_INVALID_VALUE', 'not a lowercase RFC 4122 uuid', path);
      }
      return;
    case 'enum':
      index(c, (t.symbols as readonly string[]).length, path);
      return;
    case 'union:unwrapped':
    case 'union:wrapped': {
      const branches = (type as unknown as Branches).types;
      walk(branches[index(c, branches.length, path)], c, path, depth + 1);
      return;
    }
    case 'record':
    case 'error':
      for (const f of (type as unknown as Fields).fields) walk(f.type, c, path ? `${path}.${f.name}` : f.name, depth + 1);
      return;
    case 'array':
      blocks(c, path, (p) => walk(t.itemsType as Type, c, p, depth + 1));
      return;
    case 'map':
      blocks(c, path, (p) => {
        utf8(c, p);
        walk(t.valuesType as Type, c, p, depth + 1);
      });
      return;
    default:
      // Another logical type: the bytes are those of its underlying type.
      if (t.underlyingType) return walk(t.underlyingType as Type, c, path, depth);
      fail('ERR_CODEC_MALFORMED', `unsupported Avro type ${type.typeName}`, path);
  }
}

/** Array and map blocks: count, or -count then byte size, until a 0 count. */
function blocks(c: Cursor, path: string, item: (path: string) => void): void {
  for (let i = 0; ; ) {
    let count = varint(c, path);
    if (count === 0) return;
    let end = -1;
    if (count < 0) {
      count = -count;
      const size = length(c, path);
      end = c.pos + size;
    }
    // Zero-byte items (null, empty records) cost no input, so count them instead.
    c.items += count;
    if (c.items > c.maxBytes) fail('ERR_CODEC_TOO_LARGE', `more than ${c.maxBytes} items`, path);
    for (let k = 0; k < count; k++) item(`${path}[${i++}]`);
    if (end >= 0 && c.pos !== end) fail('ERR_CODEC_MALFORMED', 'block byte size does not match its items', path);
  }
}

function varint(c: Cursor, path: string): number {
  const start = c.pos;
  let u = 0;
  let mul = 1;
  // Up to 7 bytes (49 bits) the plain number is exact; longer ones go through BigInt.
  for (let i = 0; i < 7; i++) {
    const b = byte(c, path);
    u += (b & 0x7f) * mul;
    if (b < 0x80) return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
    mul *= 128;
  }
  c.pos = start;
  let big = 0n;
  for (let i = 0n; i < 10n; i++) {
    const b = byte(c, path);
    big |= BigInt(b & 0x7f) << (7n * i);
    if (b < 0x80) {
      const n = (big >> 1n) ^ -(big & 1n);
      if (n > MAX_LONG || n < -MAX_LONG) fail('ERR_CODEC_MALFORMED', 'long beyond the JS safe integer range', path);
      return Number(n);
    }
  }
  return fail('ERR_CODEC_MALFORMED', 'varint longer than 10 bytes', path);
}

function length(c: Cursor, path: string): number {
  const n = varint(c, path);
  if (n < 0) fail('ERR_CODEC_MALFORMED', 'negative length', path);
  if (n > c.maxBytes) fail('ERR_CODEC_TOO_LARGE', `length ${n} beyond the ${c.maxBytes}-byte limit`, path);
  return n;
}

function index(c: Cursor, size: number, path: string): number {
  const i = varint(c, path);
  if (i < 0 || i >= size) fail('ERR_CODEC_MALFORMED', `index ${i} outside 0..${size - 1}`, path);
  return i;
}

function utf8(c: Cursor, path: string): Buffer {
  const bytes = take(c, length(c, path), path);
  if (!isUtf8(bytes)) fail('ERR_CODEC_MALFORMED', 'string is not valid UTF-8', path);
  return bytes;
}

function byte(c: Cursor, path: string): number {
  if (c.pos >= c.buf.length) fail('ERR_CODEC_TRUNCATED', 'data ends inside a value', path);
  return c.buf[c.pos++];
}

function take(c: Cursor, n: number, path: string): Buffer {
  if (n > c.buf.length - c.pos) {
    fail('ERR_CODEC_TRUNCATED', `needs ${n} bytes, ${c.buf.length - c.pos} left`, path);
  }
  c.pos += n;
  return c.buf.subarray(c.pos - n, c.pos);
}

function fail(code: CodecErrorCode, what: string, path: string): never {
  throw new EventCodecError(code, path ? `${path}: ${what}` : what, path ? [path] : []);
}
