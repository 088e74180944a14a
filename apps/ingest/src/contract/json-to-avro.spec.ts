import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EventCodec } from '@tokenwarden/events';
import { JsonToAvro, MAX_STRING_CHARS, parseRfc3339 } from './json-to-avro';

const SAMPLES = join(__dirname, '..', '..', '..', '..', 'libs', 'events', 'fixtures', 'samples');

/** A sample event in its JSON form, loose enough for tests to edit. */
interface SampleJson {
  header: { producer: Record<string, unknown>; [field: string]: unknown };
  [field: string]: unknown;
}

function setup(type = 'TokenIssued') {
  const codec = new EventCodec();
  const version = codec.schemas().find((s) => s.current && s.typeName === type)!.version;
  const sample = JSON.parse(readFileSync(join(SAMPLES, type, `v${version}.json`), 'utf8')) as SampleJson;
  return { converter: JsonToAvro.forSchemaFile(type, version), sample, codec };
}

describe('JsonToAvro', () => {
  it.each(readdirSync(SAMPLES).filter((t) => t !== 'Alert'))('takes the current %s sample unchanged, and the codec encodes it', (type) => {
    const { converter, sample, codec } = setup(type);
    const { value, problems } = converter.convert(sample);
    expect(problems).toEqual([]);
    expect(value).toEqual(sample);
    expect(() => codec.encode(type as never, value as never)).not.toThrow();
  });

  it('takes RFC 3339 strings for timestamp-millis fields, with any offset', () => {
    const { converter, sample } = setup();
    const { value, problems } = converter.convert({
      ...sample,
      header: { ...sample.header, event_time: '2024-11-29T13:20:00.124Z' },
      issued_at: '2024-11-29T14:20:00+01:00',
      expires_at: 1732887300000,
    });
    expect(problems).toEqual([]);
    expect(value).toMatchObject({ header: { event_time: 1732886400124 }, issued_at: 1732886400000, expires_at: 1732887300000 });
  });

  it('fills missing nullable fields with null and takes plain values for unions', () => {
    const { converter, sample } = setup();
    const input: SampleJson = { ...sample, header: { ...sample.header }, parent_jti: null, consent_ref: 'c-1' };
    delete input.header.trace_id;
    delete input.family_id;
    const { value, problems } = converter.convert(input);
    expect(problems).toEqual([]);
    expect(value).toMatchObject({ header: { trace_id: null }, family_id: null, parent_jti: null, consent_ref: 'c-1' });
  });

  it('names every bad field with its path and never echoes the value', () => {
    const { converter, sample } = setup();
    const { problems } = converter.convert({
      ...sample,
      header: { ...sample.header, event_id: 'NOT-A-UUID', producer: { service: 'x', instance: 'y' }, ip: 42 },
      token_kind: 'UNKNOWN',
      grant_type: 'authorization_code',
      scope: ['ok', 7],
      lifetime_seconds: 1.5,
      issued_at: '2024-02-30T00:00:00Z',
      colour: 'blue',
    });
    expect(problems.map((p) => p.path).sort()).toEqual([
      'colour', 'grant_type', 'header.event_id', 'header.ip', 'header.producer.version', 'issued_at', 'lifetime_seconds', 'scope[1]', 'token_kind',
    ]);
    expect(problems.find((p) => p.path === 'token_kind')!.message).toBe('must be one of ACCESS, REFRESH, ID');
    expect(problems.find((p) => p.path === 'header.producer.version')!.message).toBe('is required');
    expect(problems.find((p) => p.path === 'colour')!.message).toBe('is not a field of the schema');
    expect(JSON.stringify(problems)).not.toContain('NOT-A-UUID');
  });

  it('refuses a body that is not an object, and overlong strings', () => {
    const { converter, sample } = setup();
    expect(converter.convert([]).problems).toEqual([{ path: '(root)', message: 'must be a TokenIssued object' }]);
    expect(converter.convert({ ...sample, jti: 'x'.repeat(MAX_STRING_CHARS + 1) }).problems.map((p) => p.path)).toEqual(['jti']);
  });
});

describe('parseRfc3339', () => {
  it.each([
    ['2024-06-11T12:00:00Z', Date.UTC(2024, 5, 11, 12)],
    ['2024-06-11t12:00:00.5z', Date.UTC(2024, 5, 11, 12, 0, 0, 500)],
    ['2024-06-11T12:00:00.123456789Z', Date.UTC(2024, 5, 11, 12, 0, 0, 123)],
    ['2024-06-11T14:30:00+02:30', Date.UTC(2024, 5, 11, 12)],
    ['2024-02-29T00:00:00-00:00', Date.UTC(2024, 1, 29)],
  ])('%s', (text, ms) => expect(parseRfc3339(text)).toBe(ms));

  it.each(['2024-06-11', '2024-06-11T12:00:00', '2023-02-29T00:00:00Z', '2024-06-11T24:00:00Z', '2024-06-11T12:00:60Z', '2024-13-01T00:00:00Z', '2024-06-11 12:00:00Z', ' 2024-06-11T12:00:00Z'])(
    'refuses %j',
    (text) => expect(parseRfc3339(text)).toBeUndefined(),
  );
});
