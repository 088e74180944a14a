import { encodeAs, readSample, sampleEvent } from '../fixtures/samples';
import { SchemaCatalog } from './catalog';
import { EventCodec } from './codec';
import { EventCodecError, SchemaCatalogError } from './errors';
import { ProjectedEventDecoder } from './projected-decoder';

const codec = new EventCodec();
const catalog = SchemaCatalog.load();
const projected = new ProjectedEventDecoder({
  TokenIssued: ['header.event_id', 'header.event_time', 'header.subject_ref', 'jti', 'token_kind'],
  TokenValidated: ['header.event_id', 'resource_server', 'reason'],
});

/** The outcome of a decode: the error code, or 'ok'. */
function outcome(decode: () => unknown): string {
  try {
    decode();
    return 'ok';
  } catch (err) {
    if (err instanceof EventCodecError) return err.code;
    throw err;
  }
}

describe('ProjectedEventDecoder', () => {
  it('builds only the projected fields, in the current shape', () => {
    const issued = sampleEvent('TokenIssued');
    const e = projected.decode(codec.encode('TokenIssued', issued));
    expect(e).toMatchObject({ type: 'TokenIssued', writerVersion: 1, fingerprint: catalog.current('TokenIssued')!.fingerprintHex });
    expect(e.value).toEqual({
      header: { event_id: issued.header.event_id, event_time: issued.header.event_time, subject_ref: issued.header.subject_ref }, jti: issued.jti, token_kind: issued.token_kind,
    });
  });

  it('decodes types left out of the projection in full', () => {
    const value = readSample('ConsentChanged/v1');
    expect(projected.decode(codec.encode('ConsentChanged', value as never)).value).toEqual(value);
  });

  it('resolves an older writer version into the projected current schema (defaults included)', () => {
    const v1 = catalog.versions('TokenValidated')[0];
    const e = projected.decode(encodeAs(v1, readSample('TokenValidated/v1')));
    const full = codec.decode(encodeAs(v1, readSample('TokenValidated/v1')));
    expect(e.writerVersion).toBe(1);
    const value = full.value as { header: { event_id: string }; resource_server: string | null; reason: string };
    expect(e.value).toEqual({ header: { event_id: value.header.event_id }, resource_server: null, reason: value.reason });
  });

  it('refuses a projection naming a field the current schema lacks', () => {
    expect(() => new ProjectedEventDecoder({ TokenIssued: ['header.no_such_field'] })).toThrow(SchemaCatalogError);
    expect(() => new ProjectedEventDecoder({ TokenIssued: ['jti.deeper'] })).toThrow(SchemaCatalogError);
  });

  it('fails on every corrupted message exactly as EventCodec.decode does (same code, or both decode)', () => {
    const message = codec.encode('TokenIssued', sampleEvent('TokenIssued'));
    const cases: Buffer[] = [Buffer.concat([message, Buffer.from([0])])];
    for (let n = 0; n < message.length; n++) cases.push(message.subarray(0, n));
    for (let at = 0; at < message.length; at++) {
      for (const byte of [0x00, 0x01, 0x7f, 0x80, 0xc0, 0xff]) {
        const bad = Buffer.from(message);
        bad[at] = byte;
        cases.push(bad);
      }
    }
    const seen = new Set<string>();
    for (const input of cases) {
      const expected = outcome(() => codec.decode(input));
      seen.add(expected);
      expect(outcome(() => projected.decode(input))).toBe(expected);
    }
    // The corruptions reach every check, including those inside fields the projection skips.
    expect([...seen].sort()).toEqual(['ERR_CODEC_BAD_MAGIC', 'ERR_CODEC_INVALID_VALUE', 'ERR_CODEC_MALFORMED', 'ERR_CODEC_TOO_LARGE',
      'ERR_CODEC_TOO_SHORT', 'ERR_CODEC_TRAILING_BYTES', 'ERR_CODEC_TRUNCATED', 'ERR_CODEC_UNKNOWN_FINGERPRINT', 'ok']);
  });

  it('checks fields it skips: invalid UTF-8 in token_fingerprint is malformed', () => {
    const issued = sampleEvent('TokenIssued', { token_fingerprint: 'x'.repeat(43) });
    const message = codec.encode('TokenIssued', issued);
    const at = message.indexOf(Buffer.from('x'.repeat(43)));
    message[at + 5] = 0xff;
    expect(outcome(() => projected.decode(message))).toBe('ERR_CODEC_MALFORMED');
    expect(outcome(() => codec.decode(message))).toBe('ERR_CODEC_MALFORMED');
  });

  it('applies maxMessageBytes and refuses what is not bytes', () => {
    const small = new ProjectedEventDecoder({}, { maxMessageBytes: 64 });
    expect(outcome(() => small.decode(codec.encode('TokenIssued', sampleEvent('TokenIssued'))))).toBe('ERR_CODEC_TOO_LARGE');
    expect(outcome(() => projected.decode(null as never))).toBe('ERR_CODEC_NOT_BYTES');
  });
});
