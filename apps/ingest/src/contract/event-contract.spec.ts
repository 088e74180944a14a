import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decode, EventCodec } from '@tokenwarden/events';
import { topicNames } from '@tokenwarden/kafka';
import { EventContract, INGEST_TYPES, recordOf } from './event-contract';

const SAMPLES = join(__dirname, '..', '..', '..', '..', 'libs', 'events', 'fixtures', 'samples');
/** A sample event in its JSON form, loose enough for tests to edit. */
interface SampleJson {
  header: { producer: Record<string, unknown>; [field: string]: unknown };
  [field: string]: unknown;
}
const sample = (type: string, version = 1): SampleJson => JSON.parse(readFileSync(join(SAMPLES, type, `v${version}.json`), 'utf8'));
const NOW = Date.UTC(2024, 11, 1);

function setup() {
  const contract = new EventContract(new EventCodec());
  const check = (type: unknown, json: unknown, fingerprintRequired = true) => contract.checkJson(type, json, { nowMs: NOW, maxFutureMs: 3600_000, fingerprintRequired });
  const paths = (type: unknown, json: unknown) => {
    const r = check(type, json);
    return r.ok ? [] : r.problems.map((p) => p.path);
  };
  return { contract, check, paths };
}

describe('EventContract', () => {
  it('accepts every type but Alert', () => {
    expect([...INGEST_TYPES].sort()).toEqual(['ConsentChanged', 'IssuanceDenied', 'KeyLifecycle', 'SubjectErased', 'TokenIssued', 'TokenRevoked', 'TokenValidated']);
    const { check } = setup();
    const alert = check('Alert', sample('Alert'));
    expect(alert).toEqual({ ok: false, refusedType: true, problems: [{ path: 'type', message: expect.stringContaining('detector only') }] });
    expect(check('tokenissued', sample('TokenIssued'))).toMatchObject({ ok: false, refusedType: true });
  });

  it('encodes a valid event into bytes the codec decodes to the same value', () => {
    const { check } = setup();
    const r = check('TokenIssued', sample('TokenIssued'));
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    expect(decode(r.event.bytes)).toMatchObject({ type: 'TokenIssued', value: sample('TokenIssued') });
  });

  it('refuses a raw subject id, a bad trace id, ip and fingerprint', () => {
    const { paths } = setup();
    const s = sample('TokenIssued');
    expect(paths('TokenIssued', { ...s, token_fingerprint: 'abc', header: { ...s.header, subject_ref: 'jane@example.com', trace_id: '0'.repeat(32), ip: '999.1.1.1' } }).sort()).toEqual([
      'header.ip', 'header.subject_ref', 'header.trace_id', 'token_fingerprint',
    ]);
  });

  it('refuses a raw JWT anywhere', () => {
    const { paths } = setup();
    const s = sample('TokenIssued');
    expect(paths('TokenIssued', { ...s, jti: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig' })).toEqual(['jti']);
  });

  it('refuses times the analyst model cannot hold, and inconsistent lifetimes', () => {
    const { paths } = setup();
    const s = sample('TokenIssued');
    expect(paths('TokenIssued', { ...s, header: { ...s.header, event_time: NOW + 3600_001 } })).toEqual(['header.event_time']);
    expect(paths('TokenIssued', { ...s, header: { ...s.header, event_time: '1999-12-31T23:59:59Z' } })).toEqual(['header.event_time']);
    expect(paths('TokenIssued', { ...s, lifetime_seconds: 901 })).toEqual(['lifetime_seconds']);
    expect(paths('TokenIssued', { ...s, expires_at: (s.issued_at as number) - 1000 })).toEqual(['expires_at']);
  });

  it('holds TokenValidated reason and outcome together', () => {
    const { paths } = setup();
    const v = sample('TokenValidated', 2);
    expect(paths('TokenValidated', { ...v, outcome: 'VALID', reason: 'EXPIRED' })).toEqual(['reason']);
    expect(paths('TokenValidated', { ...v, outcome: 'ERROR', reason: 'EXPIRED' })).toEqual(['reason']);
  });

  it('lets adapters write an empty fingerprint, but not direct producers', () => {
    const { check } = setup();
    const s = { ...sample('TokenIssued'), token_fingerprint: '' };
    expect(check('TokenIssued', s, false).ok).toBe(true);
    expect(check('TokenIssued', s, true).ok).toBe(false);
  });

  it('routes KeyLifecycle to key-events by kid and the rest to token-events by subject_ref', () => {
    const { check } = setup();
    const topics = topicNames('p.');
    const key = check('KeyLifecycle', sample('KeyLifecycle'));
    const issued = check('TokenIssued', sample('TokenIssued'));
    if (!key.ok || !issued.ok) throw new Error('samples must be valid');
    expect(recordOf(key.event, topics)).toMatchObject({ topic: 'p.key-events', key: sample('KeyLifecycle').kid });
    expect(recordOf(issued.event, topics)).toMatchObject({ topic: 'p.token-events', key: sample('TokenIssued').header.subject_ref, timestampMs: sample('TokenIssued').header.event_time });
  });
});
