/**
 * Reads a RowBinary body back into values, for the specs of the writers
 * (the integration tests prove the layout against the server itself).
 * 64-bit integers come back as bigints, strings decoded as UTF-8.
 */
export function readRowBinary(body: Buffer, types: readonly string[]): unknown[][] {
  const readers = types.map(reader);
  const rows: unknown[][] = [];
  const at = { offset: 0 };
  while (at.offset < body.length) rows.push(readers.map((read) => read(body, at)));
  return rows;
}

type Read = (body: Buffer, at: { offset: number }) => unknown;

function varint(body: Buffer, at: { offset: number }): number {
  let n = 0;
  for (let shift = 0; ; shift += 7) {
    if (at.offset >= body.length) throw new RangeError('RowBinary body ends inside a value');
    const b = body[at.offset++];
    n += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return n;
  }
}

const fixed =
  (size: number, read: (body: Buffer, offset: number) => unknown): Read =>
  (body, at) => {
    const v = read(body, at.offset);
    at.offset += size;
    return v;
  };

const SCALARS: Record<string, Read> = {
  String: (body, at) => {
    const n = varint(body, at);
    if (at.offset + n > body.length) throw new RangeError('RowBinary body ends inside a value');
    at.offset += n;
    return body.toString('utf8', at.offset - n, at.offset);
  },
  UInt8: fixed(1, (b, o) => b.readUInt8(o)),
  UInt16: fixed(2, (b, o) => b.readUInt16LE(o)),
  UInt32: fixed(4, (b, o) => b.readUInt32LE(o)),
  UInt64: fixed(8, (b, o) => b.readBigUInt64LE(o)),
  Int8: fixed(1, (b, o) => b.readInt8(o)),
  Int16: fixed(2, (b, o) => b.readInt16LE(o)),
  Int32: fixed(4, (b, o) => b.readInt32LE(o)),
  Int64: fixed(8, (b, o) => b.readBigInt64LE(o)),
  Float32: fixed(4, (b, o) => b.readFloatLE(o)),
  Float64: fixed(8, (b, o) => b.readDoubleLE(o)),
};

function reader(type: string): Read {
  const wrapped = /^(Nullable|Array|LowCardinality)\((.+)\)$/.exec(type);
  if (wrapped) {
    const inner = reader(wrapped[2]);
    if (wrapped[1] === 'Nullable') return (body, at) => (body[at.offset++] === 1 ? null : inner(body, at));
    if (wrapped[1] === 'LowCardinality') return inner;
    return (body, at) => Array.from({ length: varint(body, at) }, () => inner(body, at));
  }
  if (type.startsWith('DateTime')) return SCALARS.UInt32;
  return SCALARS[type];
}
