import { parseAvroType } from './catalog';
import { CodecErrorCode, EventCodecError } from './errors';
import { checkBody } from './guard';
import { isUuidText } from './uuid-type';

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
const str = (s: string | Buffer) => {
  const b = Buffer.isBuffer(s) ? s : Buffer.from(s, 'utf8');
  return Buffer.concat([varint(b.length), b]);
};
function errorOf(schema: unknown, body: Buffer, maxBytes = 1024): EventCodecError | 'ok' {
  try {
    checkBody(parseAvroType(schema), body, 0, maxBytes);
    return 'ok';
  } catch (err) {
    if (err instanceof EventCodecError) return err;
    throw err;
  }
}
function codeOf(schema: unknown, body: Buffer, maxBytes = 1024): CodecErrorCode | 'ok' {
  const err = errorOf(schema, body, maxBytes);
  return err === 'ok' ? err : err.code;
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

  it('names the failing field through records, unions, arrays and maps', () => {
    const item = { type: 'record', name: 'Item', fields: [{ name: 'tags', type: { type: 'map', values: 'string' } }] };
    const rec = { type: 'record', name: 'Outer', fields: [{ name: 'id', type: 'int' }, { name: 'items', type: { type: 'array', items: ['null', item] } }] };
    const goodItem = Buffer.concat([varint(1), str('k'), str('v'), varint(0)]);
    const badItem = Buffer.concat([varint(2), str('k'), str('v'), str('k2'), str(Buffer.from([0x61, 0xff])), varint(0)]);
    // Two blocks: item indexes run on across blocks, as the item budget does.
    const body = Buffer.concat([varint(7), varint(1), varint(0), varint(2), varint(1), goodItem, varint(1), badItem, varint(0)]);
    const err = errorOf(rec, body);
    expect(err === 'ok' ? err : [err.code, err.paths, err.message]).toEqual([
      'ERR_CODEC_MALFORMED',
      ['items[2].tags[1]'],
      'items[2].tags[1]: string is not valid UTF-8',
    ]);
    const top = errorOf({ type: 'array', items: 'boolean' }, Buffer.concat([varint(2), Buffer.from([1, 2]), varint(0)]));
    expect(top === 'ok' ? top : [top.paths, top.message]).toEqual([['[1]'], '[1]: boolean byte is not 0 or 1']);
    const trailing = errorOf(rec, Buffer.concat([varint(7), varint(0), Buffer.from([0])]));
    expect(trailing === 'ok' ? trailing : [trailing.code, trailing.paths]).toEqual(['ERR_CODEC_TRAILING_BYTES', []]);
  });

  it('accepts any valid UTF-8 and refuses invalid bytes after an ASCII prefix', () => {
    expect(codeOf('string', str('résumé ✓ 🔑'))).toBe('ok');
    expect(codeOf('string', str(Buffer.concat([Buffer.from('plain ascii '), Buffer.from([0xe2, 0x82])])))).toBe('ERR_CODEC_MALFORMED');
    expect(codeOf('string', str(Buffer.from([0xed, 0xa0, 0x80])))).toBe('ERR_CODEC_MALFORMED'); // an encoded surrogate
  });

  it('reads uuids in place by the same rule as isUuidText', () => {
    const uuid = { type: 'string', logicalType: 'uuid' };
    const valid = '0f6a7c1e-2b4d-4c8e-9a1f-000000000001';
    const cases = [valid, valid.toUpperCase(), valid.replace(/-/g, '_'), `${valid}0`, valid.slice(1), `é${valid.slice(2)}`, 'g'.repeat(36)];
    for (const text of cases) {
      expect([text, codeOf(uuid, str(text))]).toEqual([text, isUuidText(text) ? 'ok' : 'ERR_CODEC_INVALID_VALUE']);
    }
    // Bytes that are not UTF-8 at all are malformed, as in any other string.
    expect(codeOf(uuid, str(Buffer.concat([Buffer.from(valid.slice(0, 35)), Buffer.from([0xff])])))).toBe('ERR_CODEC_MALFORMED');
  });
});
