import { readSample } from '../fixtures/samples';
import { SchemaCatalog } from './catalog';
import { EventCodec, MAGIC } from './codec';
import { CodecErrorCode, EventCodecError } from './errors';

// Hand-built Avro bodies, so each case breaks exactly one thing at a known place.
const long = (n: number | bigint): Buffer => {
  let u = BigInt(n) >= 0n ? BigInt(n) << 1n : (-BigInt(n) << 1n) - 1n; // zigzag
  const out: number[] = [];
  do {
    out.push(Number(u & 0x7fn) | (u > 0x7fn ? 0x80 : 0));
    u >>= 7n;
  } while (u > 0n);
  return Buffer.from(out);
};
const str = (s: string | Buffer) => {
  const b = Buffer.isBuffer(s) ? s : Buffer.from(s, 'utf8');
  return Buffer.concat([long(b.length), b]);
};
const UUID = '0f6a7c1e-2b4d-4c8e-9a1f-000000000001';
const header = (o: { eventId?: Buffer; eventTime?: Buffer; traceBranch?: Buffer } = {}) =>
  Buffer.concat([
    o.eventId ?? str(UUID),
    o.eventTime ?? long(1732886400123),
    str('svc'), str('inst'), str('1.0'), str('default'), // producer, tenant_id
    o.traceBranch ?? long(0), // trace_id: null
    long(0), long(0), long(0), long(0), // session_id, subject_ref, client_id, ip: null
  ]);

const catalog = SchemaCatalog.load();
const codec = new EventCodec();
const message = (type: string, ...body: Buffer[]) => Buffer.concat([MAGIC, catalog.current(type)!.fingerprint, ...body]);
// ConsentChanged: header, consent_ref string, scope array<string>, granted boolean.
const consent = (o: { head?: Buffer; ref?: Buffer; scope?: Buffer; granted?: Buffer } = {}) =>
  message('ConsentChanged', o.head ?? header(), o.ref ?? str('c-1'), o.scope ?? Buffer.concat([long(1), str('a'), long(0)]), o.granted ?? Buffer.from([1]));

function decodeError(input: unknown, c = codec): EventCodecError {
  const started = process.hrtime.bigint();
  try {
    c.decode(input as Uint8Array);
  } catch (err) {
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(100);
    if (err instanceof EventCodecError) return err;
    throw err;
  }
  throw new Error('decoded hostile bytes');
}
const codeOf = (input: unknown, c?: EventCodec): CodecErrorCode => decodeError(input, c).code;

describe('decode of hostile bytes', () => {
  it('decodes the hand-built baseline (so every case below breaks one thing only)', () => {
    expect(codec.decode(consent()).value).toMatchObject({ consent_ref: 'c-1', scope: ['a'], granted: true });
  });

  it.each([
    ['null (a Kafka tombstone)', 'ERR_CODEC_NOT_BYTES', null],
    ['a string', 'ERR_CODEC_NOT_BYTES', 'c301'],
    ['nothing', 'ERR_CODEC_TOO_SHORT', Buffer.alloc(0)],
    ['only the magic', 'ERR_CODEC_TOO_SHORT', Buffer.from([0xc3, 0x01, 1, 2])],
    ['JSON', 'ERR_CODEC_BAD_MAGIC', Buffer.from('{"type":"TokenIssued"}')],
    ['the wrong format version', 'ERR_CODEC_BAD_MAGIC', Buffer.from([0xc3, 0x02, 0, 0, 0, 0, 0, 0, 0, 0])],
    ['an unknown fingerprint', 'ERR_CODEC_UNKNOWN_FINGERPRINT', Buffer.concat([MAGIC, Buffer.alloc(8), header()])],
    ['a trailing byte', 'ERR_CODEC_TRAILING_BYTES', Buffer.concat([consent(), Buffer.from([0])])],
    ['a string claiming 2^40 bytes', 'ERR_CODEC_TOO_LARGE', consent({ ref: long(2 ** 40) })],
    ['an array claiming 2^40 items', 'ERR_CODEC_TOO_LARGE', consent({ scope: long(2 ** 40) })],
    ['an array block claiming -2^40 items', 'ERR_CODEC_TOO_LARGE', consent({ scope: Buffer.concat([long(-(2 ** 40)), long(2)]) })],
    ['a string longer than what is left', 'ERR_CODEC_TRUNCATED', consent({ ref: long(5000) })],
    ['an array with more items than bytes', 'ERR_CODEC_TRUNCATED', consent({ scope: Buffer.concat([long(1000), str('a')]), granted: Buffer.alloc(0) })],
    ['a negative string length', 'ERR_CODEC_MALFORMED', consent({ ref: long(-3) })],
    ['invalid UTF-8', 'ERR_CODEC_MALFORMED', consent({ ref: str(Buffer.from([0x61, 0xff, 0xfe])) })],
    ['a boolean byte of 2', 'ERR_CODEC_MALFORMED', consent({ granted: Buffer.from([2]) })],
    ['a union index out of range', 'ERR_CODEC_MALFORMED', consent({ head: header({ traceBranch: long(2) }) })],
    ['a negative union index', 'ERR_CODEC_MALFORMED', consent({ head: header({ traceBranch: long(-1) }) })],
    ['an 11-byte varint', 'ERR_CODEC_MALFORMED', consent({ head: header({ eventTime: Buffer.from([...Array(10).fill(0xff), 0x01]) }) })],
    ['a long beyond 2^53', 'ERR_CODEC_MALFORMED', consent({ head: header({ eventTime: long(2n ** 60n) }) })],
    ['a block size that does not match its items', 'ERR_CODEC_MALFORMED', consent({ scope: Buffer.concat([long(-1), long(7), str('a'), long(0)]) })],
    ['a uuid that is not one', 'ERR_CODEC_INVALID_VALUE', consent({ head: header({ eventId: str('0F6A7C1E-not-a-uuid') }) })],
  ])('%s → %s', (_, code, input) => {
    expect(codeOf(input)).toBe(code);
  });

  it('refuses an out-of-range enum index and an int beyond 32 bits', () => {
    const key = (phase: Buffer) => message('KeyLifecycle', header(), str('kid'), str('ES256'), phase, long(0), long(0), str('t'));
    expect(codec.decode(key(long(2))).value).toMatchObject({ phase: 'ACTIVATED' });
    expect(codeOf(key(long(6)))).toBe('ERR_CODEC_MALFORMED');
    const erased = (n: Buffer) => message('SubjectErased', header(), n, long(0), str('admin:x'), long(0));
    expect(codec.decode(erased(long(2 ** 31 - 1))).value).toMatchObject({ tokens_revoked: 2 ** 31 - 1 });
    expect(codeOf(erased(long(2 ** 31)))).toBe('ERR_CODEC_MALFORMED');
  });

  it('reports every proper prefix of a valid message as truncated (or too short)', () => {
    const full = consent();
    for (let n = 0; n < full.length; n++) {
      expect([n, codeOf(full.subarray(0, n))]).toEqual([n, n < 10 ? 'ERR_CODEC_TOO_SHORT' : 'ERR_CODEC_TRUNCATED']);
    }
  });

  it('refuses a message over maxMessageBytes before reading it', () => {
    const small = new EventCodec({ maxMessageBytes: 64 });
    expect(codeOf(Buffer.concat([consent(), Buffer.alloc(64)]), small)).toBe('ERR_CODEC_TOO_LARGE');
    expect(codeOf(Buffer.alloc(10 * 1024 * 1024, 0xc3))).toBe('ERR_CODEC_TOO_LARGE');
  });

  it('names the field and keeps the error non-retriable', () => {
    const err = decodeError(consent({ head: header({ traceBranch: long(9) }) }));
    expect(err.paths).toEqual(['header.trace_id']);
    expect(err.message).toContain('header.trace_id');
    expect(err.retriable).toBe(false);
    expect(decodeError(consent({ scope: Buffer.concat([long(2), str('a'), str(Buffer.from([0xc0]))]) })).paths).toEqual(['scope[1]']);
  });

  it('decodes the committed sample the same way it decodes its own encoding', () => {
    const value = readSample('ConsentChanged/v1');
    expect(codec.decode(codec.encode('ConsentChanged', value as never)).value).toEqual(value);
  });
});
