import { Type } from 'avsc';
import { checkUtf8, Cursor, GuardFailure, byte, fail, index, isUuidBytes, length, skip, utf8, varint, within } from './guard-reads';

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
 *
 * It runs for every consumed message, so each schema is compiled once into a
 * tree of checks (one closure per type and nesting depth), and the field path
 * of a failure is put together only while the failure unwinds.
 */
const MAX_DEPTH = 64;

type Check = (c: Cursor) => void;
type Branches = { readonly types: readonly Type[] };
type Fields = { readonly fields: readonly { readonly name: string; readonly type: Type }[] };

export function checkBody(type: Type, buf: Buffer, start: number, maxBytes: number): void {
  const c: Cursor = { buf, pos: start, maxBytes, items: 0 };
  try {
    compile(type, 0)(c);
    if (c.pos !== buf.length) fail('ERR_CODEC_TRAILING_BYTES', `${buf.length - c.pos} bytes after the record`);
  } catch (err) {
    if (err instanceof GuardFailure) throw err.toCodecError();
    throw err;
  }
}

// Per type, its check at each nesting depth it was reached at (depth is part of
// the check: past MAX_DEPTH it fails). A recursive schema compiles at most
// MAX_DEPTH + 1 levels, and a level is never re-entered while it is compiled
// (every step deeper goes through a record, union, array or map).
const compiled = new WeakMap<Type, Check[]>();

function compile(type: Type, depth: number): Check {
  if (depth > MAX_DEPTH) return tooDeep;
  let levels = compiled.get(type);
  if (!levels) compiled.set(type, (levels = []));
  return (levels[depth] ??= build(type, depth));
}

const tooDeep: Check = () => fail('ERR_CODEC_MALFORMED', `nesting deeper than ${MAX_DEPTH}`);
const nothing: Check = () => undefined;

function build(type: Type, depth: number): Check {
  const t = type as unknown as Record<string, unknown>;
  switch (type.typeName) {
    case 'null':
      return nothing;
    case 'boolean':
      return (c) => {
        if (byte(c) > 1) fail('ERR_CODEC_MALFORMED', 'boolean byte is not 0 or 1');
      };
    case 'int':
      return (c) => {
        const n = varint(c);
        if (n < -0x80000000 || n > 0x7fffffff) fail('ERR_CODEC_MALFORMED', 'int outside 32 bits');
      };
    case 'long':
      return (c) => void varint(c);
    case 'float':
      return (c) => void skip(c, 4);
    case 'double':
      return (c) => void skip(c, 8);
    case 'bytes':
      return (c) => void skip(c, length(c));
    case 'fixed': {
      const size = t.size as number;
      return (c) => void skip(c, size);
    }
    case 'string':
      return (c) => void utf8(c);
    case 'logical:uuid':
      return uuid;
    case 'enum': {
      const size = (t.symbols as readonly string[]).length;
      return (c) => void index(c, size);
    }
    case 'union:unwrapped':
    case 'union:wrapped':
      return union((type as unknown as Branches).types.map((b) => compile(b, depth + 1)));
    case 'record':
    case 'error':
      return record((type as unknown as Fields).fields.map((f) => ({ name: f.name, check: compile(f.type, depth + 1) })));
    case 'array': {
      const item = compile(t.itemsType as Type, depth + 1);
      return (c) => blocks(c, item);
    }
    case 'map': {
      const value = compile(t.valuesType as Type, depth + 1);
      return (c) =>
        blocks(c, (c) => {
          utf8(c);
          value(c);
        });
    }
    default: {
      // Another logical type: the bytes are those of its underlying type.
      if (t.underlyingType) return compile(t.underlyingType as Type, depth);
      const what = `unsupported Avro type ${type.typeName}`;
      return () => fail('ERR_CODEC_MALFORMED', what);
    }
  }
}

function uuid(c: Cursor): void {
  // The bytes in place, not a decoded string: the same rule as isUuidText. A uuid is ASCII, so
  // only other bytes need the UTF-8 check (invalid UTF-8 is reported as such, as for any string).
  const start = skip(c, length(c));
  if (isUuidBytes(c, start)) return;
  checkUtf8(c.buf, start, c.pos);
  fail('ERR_CODEC_INVALID_VALUE', 'not a lowercase RFC 4122 uuid');
}

function union(branches: readonly Check[]): Check {
  const size = branches.length;
  return (c) => branches[index(c, size)](c);
}

function record(fields: readonly { name: string; check: Check }[]): Check {
  return (c) => {
    for (let i = 0; i < fields.length; i += 1) {
      try {
        fields[i].check(c);
      } catch (err) {
        throw within(err, fields[i].name);
      }
    }
  };
}

/** Array and map blocks: count, or -count then byte size, until a 0 count. */
function blocks(c: Cursor, item: Check): void {
  for (let i = 0; ; ) {
    let count = varint(c);
    if (count === 0) return;
    let end = -1;
    if (count < 0) {
      count = -count;
      const size = length(c);
      end = c.pos + size;
    }
    // Zero-byte items (null, empty records) cost no input, so count them instead.
    c.items += count;
    if (c.items > c.maxBytes) fail('ERR_CODEC_TOO_LARGE', `more than ${c.maxBytes} items`);
    try {
      for (let k = 0; k < count; k++) {
        item(c);
        i += 1;
      }
    } catch (err) {
      throw within(err, i);
    }
    if (end >= 0 && c.pos !== end) fail('ERR_CODEC_MALFORMED', 'block byte size does not match its items');
  }
}
