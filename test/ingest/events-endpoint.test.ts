import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decode } from '@tokenwarden/events';
import { readTopic } from '../kafka/kafka-fixture';
import { TEST_KEYS } from '../../apps/ingest/fixtures/golden';
import { RunningIngest, startIngest } from './ingest-fixture';

const SAMPLES = join(__dirname, '..', '..', 'libs', 'events', 'fixtures', 'samples');
let counter = 0;
/** A sample event of `type`, as producer partner-idp for tenant acme, with a fresh event id. */
/** A sample event in its JSON form, loose enough for tests to edit. */
interface SampleJson {
  header: { producer: Record<string, unknown>; [field: string]: unknown };
  [field: string]: unknown;
}
function event(type: string, over: (e: SampleJson) => void = () => undefined): { type: string; event: SampleJson } {
  const version = type === 'TokenValidated' ? 2 : 1;
  const e = JSON.parse(readFileSync(join(SAMPLES, type, `v${version}.json`), 'utf8'));
  counter += 1;
  e.header = { ...e.header, event_id: `5e1d0c2b-3a49-4f8e-9d7c-${String(counter).padStart(12, '0')}`, tenant_id: 'acme', producer: { ...e.header.producer, service: 'partner-idp' } };
  e.header.event_time = new Date(e.header.event_time).toISOString(); // RFC 3339 form on the way in
  over(e);
  return { type, event: e };
}

/** The topic holds exactly the sentinel first: nothing was published before it (single partition). */
async function expectNothingBefore(ingest: RunningIngest, topic: string): Promise<void> {
  const sentinel = event('TokenIssued');
  expect((await ingest.post('/v1/events', TEST_KEYS.events, sentinel)).status).toBe(202);
  const [first] = await readTopic(topic, 1);
  expect(decode(first.value!).value.header.event_id).toBe(sentinel.event.header.event_id);
}

describe('POST /v1/events (real Kafka)', () => {
  let ingest: RunningIngest;
  beforeAll(async () => {
    ingest = await startIngest();
  });
  afterAll(async () => {
    await ingest?.close();
  });

  it('refuses a request with one invalid event with field errors (422) and publishes none of it', async () => {
    const good = event('TokenIssued');
    const bad = event('TokenIssued', (e) => {
      e.header.subject_ref = 'jane.doe@example.com';
      e.scope = 'openid';
      delete e.jti;
    });
    const res = await ingest.post('/v1/events', TEST_KEYS.events, [good, bad]);
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body).toMatchObject({ status: 422, code: 'ERR_INGEST_INVALID_EVENTS' });
    expect(res.body.errors).toEqual([
      { index: 1, path: 'event.jti', message: 'is required' },
      { index: 1, path: 'event.scope', message: 'must be an array' },
    ]);
    const shape = await ingest.post('/v1/events', TEST_KEYS.events, [event('TokenIssued', (e) => (e.header.subject_ref = 'jane.doe'))]);
    expect(shape.body.errors).toEqual([{ index: 0, path: 'event.header.subject_ref', message: expect.stringContaining('never a raw subject id') }]);
    expect(JSON.stringify(res.body)).not.toMatch(/stack|at .*\.ts/);
    await expectNothingBefore(ingest, ingest.topics.tokenEvents);
  });

  it('publishes each type as decodable Avro on its topic and key, answering 202 with the ids', async () => {
    const batch = ['TokenIssued', 'TokenValidated', 'TokenRevoked', 'IssuanceDenied', 'SubjectErased', 'ConsentChanged', 'KeyLifecycle'].map((t) => event(t));
    const res = await ingest.post('/v1/events', TEST_KEYS.events, batch);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ accepted: batch.map((b) => b.event.header.event_id), duplicates: [] });
    const keyEvents = await readTopic(ingest.topics.keyEvents, 1);
    expect(keyEvents.map((r) => [r.key?.toString(), decode(r.value!).type])).toEqual([[batch[6].event.kid, 'KeyLifecycle']]);
    // The sentinel of the first test, then these six.
    const tokenEvents = (await readTopic(ingest.topics.tokenEvents, 7)).map((r) => ({ key: r.key?.toString(), event: decode(r.value!) }));
    const ours = tokenEvents.filter((r) => batch.some((b) => b.event.header.event_id === r.event.value.header.event_id));
    expect(ours.map((r) => r.event.type)).toEqual(batch.slice(0, 6).map((b) => b.type));
    for (const r of ours) expect(r.key).toBe(r.event.value.header.subject_ref);
    expect(ours[0].event.value.header.event_time).toBe(Date.parse(batch[0].event.header.event_time as string));
  });

  it('answers 401 without a valid key and 403 for another producer service or tenant, publishing nothing', async () => {
    const fresh = await startIngest();
    try {
      expect((await fresh.post('/v1/events', undefined, event('TokenIssued'))).status).toBe(401);
      const wrongKey = await fresh.post('/v1/events', `${TEST_KEYS.events}x`, event('TokenIssued'));
      expect(wrongKey.status).toBe(401);
      expect(wrongKey.headers.get('www-authenticate')).toContain('Bearer');
      expect((await fresh.post('/v1/events', TEST_KEYS.keycloak, event('TokenIssued'))).status).toBe(403);
      const wrong = await fresh.post('/v1/events', TEST_KEYS.events, [
        event('TokenIssued', (e) => (e.header.producer.service = 'token-service')),
        event('TokenIssued', (e) => (e.header.tenant_id = 'initech')),
      ]);
      expect(wrong.status).toBe(403);
      expect(wrong.body.errors).toEqual([
        { index: 0, path: 'event.header.producer.service', message: expect.any(String) },
        { index: 1, path: 'event.header.tenant_id', message: expect.any(String) },
      ]);
      const other = await fresh.post('/v1/events', TEST_KEYS.otherEvents, event('TokenIssued', (e) => (e.header.producer.service = 'other-idp')));
      expect(other.body.errors).toEqual([{ index: 0, path: 'event.header.tenant_id', message: expect.any(String) }]);
      await expectNothingBefore(fresh, fresh.topics.tokenEvents);
    } finally {
      await fresh.close();
    }
  });

  it('publishes a retried request once', async () => {
    const fresh = await startIngest();
    try {
      const batch = [event('TokenIssued'), event('IssuanceDenied')];
      const first = await fresh.post('/v1/events', TEST_KEYS.events, batch);
      const retry = await fresh.post('/v1/events', TEST_KEYS.events, batch);
      expect(first.status).toBe(202);
      expect(retry.status).toBe(202);
      expect(retry.body.duplicates).toEqual(first.body.accepted);
      const sentinel = event('TokenIssued');
      await fresh.post('/v1/events', TEST_KEYS.events, sentinel);
      const read = await readTopic(fresh.topics.tokenEvents, 3);
      expect(read.map((r) => decode(r.value!).value.header.event_id)).toEqual([...first.body.accepted, sentinel.event.header.event_id]);
    } finally {
      await fresh.close();
    }
  });

  it('rate-limits a producer with 429 and Retry-After, other producers unaffected', async () => {
    const slow = await startIngest({ burst: 2, eventsPerSecond: 0.01 });
    try {
      expect((await slow.post('/v1/events', TEST_KEYS.events, [event('TokenIssued'), event('TokenIssued')])).status).toBe(202);
      const limited = await slow.post('/v1/events', TEST_KEYS.events, event('TokenIssued'));
      expect(limited.status).toBe(429);
      expect(limited.body.code).toBe('ERR_INGEST_RATE_LIMITED');
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      const other = await slow.post('/v1/events', TEST_KEYS.otherEvents, event('TokenIssued', (e) => {
        e.header.producer.service = 'other-idp';
        e.header.tenant_id = 'initech';
      }));
      expect(other.status).toBe(202);
    } finally {
      await slow.close();
    }
  });

  it('refuses oversized bodies (413), other media types (415) and broken JSON (400) as problems', async () => {
    const big = await ingest.post('/v1/events', TEST_KEYS.events, JSON.stringify({ pad: 'x'.repeat(600 * 1024) }));
    expect(big.status).toBe(413);
    expect(big.body.code).toBe('ERR_INGEST_TOO_LARGE');
    expect((await ingest.post('/v1/events', TEST_KEYS.events, '{}', { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await ingest.post('/v1/events', TEST_KEYS.events, '{"type":')).body).toMatchObject({ status: 400, code: 'ERR_INGEST_BAD_BODY' });
    const missing = await ingest.post('/v1/nothing', TEST_KEYS.events, {});
    expect(missing).toMatchObject({ status: 404, body: { code: 'ERR_INGEST_NOT_FOUND' } });
  });

  it('serves /health and Prometheus /metrics with the counters', async () => {
    const health = await fetch(`${ingest.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'running', kafka: 'ok' });
    const metrics = await (await fetch(`${ingest.url}/metrics`)).text();
    expect(metrics).toMatch(/tw_ingest_events_accepted_total\{producer="partner-idp",type="KeyLifecycle"\} 1/);
    expect(metrics).toMatch(/tw_ingest_requests_rejected_total\{reason="invalid"\} [1-9]/);
    expect(metrics).toMatch(/tw_ingest_requests_rejected_total\{reason="too_large"\} 1/);
  });
});
