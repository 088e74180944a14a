import { parseAvroType } from './catalog';
import { CodecErrorCode, EventCodecError } from './errors';
import { checkBody } from './guard';

// Schema shapes the event records do not use today, but the guard must bound anyway.
const varint = (n: number) => {
  const out: number[] = [];
  let u = n >= 0 ? n * 2 : -n * 2 - 1;
  do {
    out.push((u % 128) | (u >= 128 ? 0x80 : 0));
    u = Math.floor(u / 128);
  } while (u > 0);
  return Buffer.from(out);
};
function codeOf(schema: unknown, body: Buffer, maxBytes = 1024): CodecErrorCode | 'ok' {
  try {
    checkBody(parseAvroType(schema), body, 0, maxBytes);
    return 'ok';
  } catch (err) {
    if (err instanceof EventCodecError) return err.code;
    throw err;
  }
}

describe('checkBody', () => {
  const nulls = { type: 'array', items: 'null' };

  it('bounds arrays of zero-byte items by an item budget, not by bytes', () => {
    expect(codeOf(nulls, Buffer.concat([varint(1000), varint(0)]))).toBe('ok');
    expect(codeOf(nulls, Buffer.concat([varint(2 ** 40), varint(0)]))).toBe('ERR_CODEC_TOO_LARGE');
    // Many small blocks add up against the same budget.
    const blocks = Buffer.concat([...Array(200).fill(varint(100)), varint(0)]);
    expect(codeOf(nulls, blocks)).toBe('ERR_CODEC_TOO_LARGE');
  });

  it('caps nesting depth of recursive schemas', () => {
    const list = { type: 'record', name: 'Node', fields: [{ name: 'next', type: ['null', 'Node'] }] };
    const nested = (depth: number) => Buffer.concat([...Array(depth).fill(varint(1)), varint(0)]);
    expect(codeOf(list, nested(20))).toBe('ok');
    expect(codeOf(list, nested(500))).toBe('ERR_CODEC_MALFORMED');
  });

  it('checks maps, fixed, float, double and bytes', () => {
    const rec = {
      type: 'record',
      name: 'R',
      fields: [
        { name: 'm', type: { type: 'map', values: 'int' } },
        { name: 'f', type: { type: 'fixed', name: 'F', size: 3 } },
        { name: 'x', type: 'float' },
        { name: 'd', type: 'double' },
        { name: 'b', type: 'bytes' },
      ],
    };
    const ok = Buffer.concat([varint(1), varint(1), Buffer.from('k'), varint(5), varint(0), Buffer.alloc(3), Buffer.alloc(4), Buffer.alloc(8), varint(1), Buffer.from([0xff])]);
    expect(codeOf(rec, ok)).toBe('ok');
    expect(codeOf(rec, ok.subarray(0, ok.length - 1))).toBe('ERR_CODEC_TRUNCATED');
    expect(codeOf(rec, Buffer.concat([varint(1), varint(1), Buffer.from([0xff]), varint(5), varint(0)]))).toBe('ERR_CODEC_MALFORMED');
  });
});
