import { sampleEvent } from '../fixtures/samples';
import { EventCodec, HEADER_BYTES } from './codec';
import { CodecErrorCode, EventCodecError } from './errors';
import { EVENT_TYPE_NAMES, EventTypeName, TokenValidated } from './generated/event-types';

const codec = new EventCodec();

/** The EventCodecError `fn` throws (fails the test if it throws anything else or nothing). */
function codecError(fn: () => unknown): EventCodecError {
  try {
    fn();
  } catch (err) {
    if (err instanceof EventCodecError) return err;
    throw err;
  }
  throw new Error('expected an EventCodecError');
}
const codeOf = (fn: () => unknown): CodecErrorCode => codecError(fn).code;

describe('EventCodec round trip', () => {
  it.each(EVENT_TYPE_NAMES.map((t) => [t]))('encodes and decodes %s as the current version', (type: EventTypeName) => {
    const value = sampleEvent(type);
    const bytes = codec.encode(type, value as never);
    expect(bytes.subarray(0, 2)).toEqual(Buffer.from([0xc3, 0x01]));
    const current = codec.schemas().find((s) => s.typeName === type && s.current)!;
    expect(bytes.toString('hex', 2, HEADER_BYTES)).toBe(current.fingerprint);
    expect(codec.decode(bytes)).toEqual({ type, value, writerVersion: current.version, fingerprint: current.fingerprint });
  });

  it('accepts a Uint8Array view into a larger buffer', () => {
    const bytes = codec.encode('ConsentChanged', sampleEvent('ConsentChanged'));
    const big = new Uint8Array(bytes.length + 20);
    big.set(bytes, 7);
    expect(codec.decode(big.subarray(7, 7 + bytes.length)).type).toBe('ConsentChanged');
  });

  it('lists every stored version, one current per type', () => {
    const infos = codec.schemas();
    expect(infos).toHaveLength(9);
    expect(infos.filter((s) => s.current).map((s) => s.typeName).sort()).toEqual([...EVENT_TYPE_NAMES].sort());
    expect(infos.find((s) => s.typeName === 'TokenValidated' && s.version === 1)?.current).toBe(false);
  });
});

describe('EventCodec.encode refuses values that break the schema', () => {
  const DELETE = Symbol('delete');
  /** The sample with one dotted path set (or deleted), encoded; returns the error. */
  const encodeWith = (path: string, value: unknown) => {
    const v = JSON.parse(JSON.stringify(sampleEvent('TokenValidated')));
    const keys = path.split('.');
    const parent = keys.slice(0, -1).reduce((o, k) => o[k], v);
    if (value === DELETE) delete parent[keys[keys.length - 1]];
    else parent[keys[keys.length - 1]] = value;
    return codecError(() => codec.encode('TokenValidated', v));
  };

  it.each([
    ['a uuid in upper case', 'header.event_id', '0F6A7C1E-2B4D-4C8E-9A1F-000000000003'],
    ['a non-uuid event id', 'header.event_id', 'not-a-uuid'],
    ['a fractional timestamp', 'header.event_time', 1.5],
    ['a timestamp beyond 2^53', 'header.event_time', 2 ** 60],
    ['a timestamp as text', 'header.event_time', '2024-11-29T00:00:00Z'],
    ['an unknown enum symbol', 'reason', 'SOMETHING'],
    ['a missing required field', 'validator', DELETE],
    ['a number where a nullable string goes', 'kid', 7],
    ['a misspelt optional field', 'resourceServer', 'x'],
    ['an extra header field', 'header.raw_token', 'eyJ...'],
    ['a nested field of the wrong type', 'header.producer.version', 1],
  ])('%s', (_, path, value) => {
    const err = encodeWith(path, value);
    expect(err.code).toBe('ERR_CODEC_INVALID_VALUE');
    expect(err.paths).toEqual([path]);
    expect(err.message).toContain(path);
    expect(err.retriable).toBe(false);
  });

  it('names every bad path, array items by index, without echoing values', () => {
    const secret = 'Bearer eyJhbGciOi.secret';
    const err = codecError(() =>
      codec.encode('TokenIssued', { ...sampleEvent('TokenIssued'), scope: ['a', 3 as never, 'c'], kid: secret, alg: null as never }),
    );
    expect(err.paths).toEqual(['scope[1]', 'alg']);
    expect(err.message).not.toContain(secret);
  });

  it('writes null for a nullable field left out at runtime (the TypeScript types require it)', () => {
    const partial: Record<string, unknown> = { ...sampleEvent('TokenValidated') };
    delete partial.audience;
    const decoded = codec.decode(codec.encode('TokenValidated', partial as unknown as TokenValidated)).value as TokenValidated;
    expect(decoded.audience).toBeNull();
  });

  it('refuses non-objects and unknown types', () => {
    expect(codeOf(() => codec.encode('TokenIssued', null as never))).toBe('ERR_CODEC_INVALID_VALUE');
    expect(codeOf(() => codec.encode('Nope' as EventTypeName, {} as never))).toBe('ERR_CODEC_UNKNOWN_TYPE');
  });

  it('refuses to write a message larger than maxMessageBytes', () => {
    const small = new EventCodec({ maxMessageBytes: 300 });
    const value = { ...sampleEvent('TokenIssued'), scope: Array.from({ length: 100 }, (_, i) => `scope-${i}`) };
    expect(codeOf(() => small.encode('TokenIssued', value))).toBe('ERR_CODEC_TOO_LARGE');
    expect(codeOf(() => small.decode(codec.encode('TokenIssued', value)))).toBe('ERR_CODEC_TOO_LARGE');
  });

  it('refuses a nonsensical size limit', () => {
    expect(() => new EventCodec({ maxMessageBytes: 5 })).toThrow(RangeError);
  });
});
