import { ClickHouseError } from './clickhouse-error';
import { RowSink } from './row-sink';
import { assertWellFormed } from './sql';

/** Appends one value of a column type, or throws ERR_CLICKHOUSE_VALUE (the caller drops the row). */
export type ValueWriter = (sink: RowSink, v: unknown) => void;

const TWO_32 = 2 ** 32;
const FLOAT32_MAX = 3.4028234663852886e38;

function refuse(v: unknown, type: string): never {
  const what = v === undefined ? 'no value' : `${v instanceof Date ? 'a Date' : typeof v === 'number' ? String(v) : `a ${typeof v}`}, which ${type} cannot hold`;
  throw new ClickHouseError('ERR_CLICKHOUSE_VALUE', what);
}

function varint(sink: RowSink, n: number): void {
  sink.reserve(5);
  const { buf } = sink;
  let at = sink.used;
  while (n >= 0x80) {
    buf[at++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  buf[at++] = n;
  sink.used = at;
}

/**
 * UTF-8 bytes after their varint length. Node would write a lone surrogate
 * as U+FFFD, so such a string is refused (as `sql.string` refuses it); an
 * all-ASCII string cannot hold one, so only the others are checked.
 */
function writeString(sink: RowSink, v: unknown): void {
  if (typeof v !== 'string') refuse(v, 'String');
  const n = v.length;
  sink.reserve(n * 3 + 5); // a UTF-16 unit is at most 3 bytes of UTF-8
  const { buf, used } = sink;
  if (n < 0x80) {
    // Short and all ASCII, the common case: a one-byte length, then the units
    // copied one by one (cheaper than a call into Buffer.write at this size).
    let at = used + 1;
    let i = 0;
    for (; i < n; i += 1) {
      const ch = v.charCodeAt(i);
      if (ch >= 0x80) break;
      buf[at++] = ch;
    }
    if (i === n) {
      buf[used] = n;
      sink.used = at;
      return;
    }
  }
  const bytes = Buffer.byteLength(v, 'utf8');
  if (bytes !== n) assertWellFormed(v);
  varint(sink, bytes);
  sink.used += buf.write(v, sink.used, 'utf8');
}

/** Little-endian unsigned integer of `size` bytes (1, 2 or 4). */
function unsigned(size: number, type: string): ValueWriter {
  const max = 2 ** (8 * size) - 1;
  return (sink, v) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) refuse(v, type);
    sink.reserve(size);
    const { buf } = sink;
    let at = sink.used;
    for (let i = 0, x = v; i < size; i += 1, x >>>= 8) buf[at++] = x & 0xff;
    sink.used = at;
  };
}

/** Two's complement little-endian integer of `size` bytes (1, 2, 4 or 8). */
function signed(size: number, type: string): ValueWriter {
  const bits = BigInt(8 * size);
  const [min, max] = [-(1n << (bits - 1n)), (1n << (bits - 1n)) - 1n];
  return (sink, v) => {
    const ok = typeof v === 'bigint' || (typeof v === 'number' && Number.isSafeInteger(v));
    if (!ok || BigInt(v) < min || BigInt(v) > max) refuse(v, type);
    sink.reserve(8);
    sink.buf.writeBigInt64LE(BigInt.asIntN(64, BigInt(v)), sink.used); // the low `size` bytes are the value
    sink.used += size;
  };
}

function writeUInt64(sink: RowSink, v: unknown): void {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) {
    sink.reserve(8);
    sink.buf.writeUInt32LE(v % TWO_32, sink.used);
    sink.buf.writeUInt32LE(Math.floor(v / TWO_32), sink.used + 4);
  } else if (typeof v === 'bigint' && v >= 0n && v < 1n << 64n) {
    sink.reserve(8);
    sink.buf.writeBigUInt64LE(v, sink.used);
  } else refuse(v, 'UInt64');
  sink.used += 8;
}

/** Finite numbers only, and within Float32's range for Float32 (beyond it the bytes would say Infinity). */
function float(size: 4 | 8, type: string): ValueWriter {
  const max = size === 8 ? Number.MAX_VALUE : FLOAT32_MAX;
  return (sink, v) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || Math.abs(v) > max) refuse(v, type);
    sink.reserve(size);
    sink.used = size === 8 ? sink.buf.writeDoubleLE(v, sink.used) : sink.buf.writeFloatLE(v, sink.used);
  };
}

function nullable(inner: ValueWriter): ValueWriter {
  return (sink, v) => {
    sink.reserve(1);
    sink.buf[sink.used++] = v === null ? 1 : 0;
    if (v !== null) inner(sink, v);
  };
}

function array(item: ValueWriter, type: string): ValueWriter {
  return (sink, v) => {
    if (!Array.isArray(v)) refuse(v, type);
    varint(sink, v.length);
    for (let i = 0; i < v.length; i += 1) item(sink, v[i]);
  };
}

const SCALARS: Readonly<Record<string, ValueWriter>> = {
  String: writeString,
  UInt8: unsigned(1, 'UInt8'),
  UInt16: unsigned(2, 'UInt16'),
  UInt32: unsigned(4, 'UInt32'),
  UInt64: writeUInt64,
  Int8: signed(1, 'Int8'),
  Int16: signed(2, 'Int16'),
  Int32: signed(4, 'Int32'),
  Int64: signed(8, 'Int64'),
  Float32: float(4, 'Float32'),
  Float64: float(8, 'Float64'),
  // Unix seconds as a UInt32, whatever the column's time zone.
  DateTime: unsigned(4, 'DateTime'),
};

/**
 * The writer of a column type as a table declares it: the scalars above,
 * DateTime with a time zone, Nullable(T), Array(T) and LowCardinality(T)
 * (RowBinary sends it as T). Any other type is a TypeError: a column the
 * encoder cannot write is a bug, not a poison value.
 */
export function valueWriter(type: string): ValueWriter {
  const t = type.replace(/\s+/g, '');
  const wrapped = /^(Nullable|Array|LowCardinality)\((.+)\)$/.exec(t);
  if (wrapped) {
    const inner = valueWriter(wrapped[2]);
    if (wrapped[1] === 'Nullable') return nullable(inner);
    return wrapped[1] === 'Array' ? array(inner, t) : inner;
  }
  if (/^DateTime\('[A-Za-z0-9_/+-]+'\)$/.test(t)) return SCALARS.DateTime;
  const scalar = Object.hasOwn(SCALARS, t) ? SCALARS[t] : undefined;
  if (!scalar) throw new TypeError(`RowBinaryRows cannot write a column of type ${type}`);
  return scalar;
}
