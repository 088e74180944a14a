import { decode } from '@tokenwarden/events';
import { DLQ_HEADERS } from '@tokenwarden/kafka';
import { readTopic } from '../kafka/kafka-fixture';
import { goldenCases, TEST_KEYS } from '../../apps/ingest/fixtures/golden';
import { RunningIngest, startIngest } from './ingest-fixture';

const KEYS = { keycloak: TEST_KEYS.keycloak, auth0: TEST_KEYS.auth0 } as const;

describe.each(['keycloak', 'auth0'] as const)('POST /v1/adapters/%s (real Kafka)', (source) => {
  const cases = goldenCases(source);
  const expectedEvents = cases.flatMap((c) => (c.expected?.outcome === 'mapped' ? c.expected.events : []));
  const parkedCases = cases.filter((c) => c.expected?.outcome === 'parked');
  let ingest: RunningIngest;
  beforeAll(async () => {
    ingest = await startIngest();
  });
  afterAll(async () => {
    await ingest?.close();
  });

  it('round-trips every golden fixture into decodable Avro events on token-events, keyed by subject_ref', async () => {
    const res = await ingest.post(`/v1/adapters/${source}`, KEYS[source], cases.map((c) => c.input));
    expect(res.status).toBe(202);
    expect(res.body).toEqual({
      received: cases.length,
      accepted: expectedEvents.map((e) => (e.value as { header: { event_id: string } }).header.event_id),
      duplicates: [],
      skipped: cases.filter((c) => c.expected?.outcome === 'skipped').length,
      parked: parkedCases.length,
    });
    const records = await readTopic(ingest.topics.tokenEvents, expectedEvents.length);
    const decoded = records.map((r) => ({ key: r.key?.toString() ?? null, event: decode(r.value!) }));
    expect(decoded.map((d) => ({ type: d.event.type, value: d.event.value }))).toEqual(expectedEvents);
    for (const d of decoded) expect(d.key).toBe(d.event.value.header.subject_ref);
  });

  it('parks unknown and malformed source events on dead-letters with the reason, redacted', async () => {
    const records = await readTopic(ingest.topics.deadLetters, parkedCases.length);
    expect(records.map((r) => r.headers[DLQ_HEADERS.errorCode])).toEqual(parkedCases.map((c) => (c.expected as { code: string }).code));
    for (const r of records) {
      expect(r.headers['tw-ingest-source']).toBe(source);
      expect(r.headers['tw-ingest-producer']).toBe(`${source}-main`);
      expect(r.headers[DLQ_HEADERS.errorMessage]).not.toBe('');
      const text = r.value!.toString();
      expect(() => JSON.parse(text)).not.toThrow();
      for (const personal of ['jane', '6b1f3c9e-2d4a-4e8b-9f10-7a2c5d8e1b34', 'auth0|6650e2c1d4f3a2b1c0d9e8f7', 'new@example.com']) expect(text).not.toContain(personal);
    }
  });

  it('a replayed delivery publishes nothing twice', async () => {
    const res = await ingest.post(`/v1/adapters/${source}`, KEYS[source], cases.map((c) => c.input));
    expect(res.status).toBe(202);
    expect(res.body.duplicates).toEqual(res.body.accepted);
    const sentinel = cases.find((c) => c.expected?.outcome === 'mapped')!;
    const changed = JSON.parse(JSON.stringify(sentinel.input));
    if (source === 'keycloak') changed.id = '0d3b6a1e-8c2f-4b5a-9e7d-1f2a3b4c5dff';
    else changed.log_id = '90020240611129999999000000000000000000000000000099';
    const fresh = await ingest.post(`/v1/adapters/${source}`, KEYS[source], changed);
    const all = await readTopic(ingest.topics.tokenEvents, expectedEvents.length + fresh.body.accepted.length);
    expect(all.map((r) => decode(r.value!).value.header.event_id)).toEqual([...res.body.accepted, ...fresh.body.accepted]);
  });
});

describe('adapter endpoints', () => {
  it('answer 401 without a key and 403 for a key of another endpoint', async () => {
    const ingest = await startIngest();
    try {
      const input = goldenCases('auth0')[0].input;
      expect((await ingest.post('/v1/adapters/auth0', undefined, [input])).status).toBe(401);
      expect((await ingest.post('/v1/adapters/auth0', TEST_KEYS.keycloak, [input])).status).toBe(403);
      expect((await ingest.post('/v1/adapters/keycloak', TEST_KEYS.events, [input])).status).toBe(403);
    } finally {
      await ingest.close();
    }
  });
});
