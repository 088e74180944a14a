import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EventCodec } from '@tokenwarden/events';
import { OutgoingRecord, topicNames } from '@tokenwarden/kafka';
import { GOLDEN_SUBJECT_KEY, goldenCases, testProducers, TEST_KEYS } from '../../fixtures/golden';
import { Auth0Adapter } from '../adapters/auth0-adapter';
import { KeycloakAdapter } from '../adapters/keycloak-adapter';
import { SubjectPseudonyms } from '../adapters/source-adapter';
import { EventContract } from '../contract/event-contract';
import { IngestError } from '../ingest-error';
import { IngestMetrics } from '../ingest-metrics';
import { ProducerAuthenticator } from '../producers/producer-auth';
import { IdempotentPublisher } from './idempotent-publisher';
import { IngestService } from './ingest-service';
import { SeenEvents } from './seen-events';
import { ProducerRateLimiter } from './token-bucket';

const SAMPLES = join(__dirname, '..', '..', '..', '..', 'libs', 'events', 'fixtures', 'samples');
const NOW = Date.UTC(2024, 11, 1);
const contract = new EventContract(new EventCodec());

/** A TokenIssued of producer partner-idp (the shared sample, re-labelled). */
/** A sample event in its JSON form, loose enough for tests to edit. */
interface SampleJson {
  header: { producer: Record<string, unknown>; [field: string]: unknown };
  [field: string]: unknown;
}
function issued(eventId: string, over: Record<string, unknown> = {}): { type: string; event: SampleJson } {
  const s = JSON.parse(readFileSync(join(SAMPLES, 'TokenIssued', 'v1.json'), 'utf8'));
  return { type: 'TokenIssued', event: { ...s, header: { ...s.header, event_id: eventId, producer: { ...s.header.producer, service: 'partner-idp' }, tenant_id: 'acme', ...over } } };
}

function setup(opts: { burst?: number } = {}) {
  const records: OutgoingRecord[] = [];
  const metrics = new IngestMetrics(false);
  const service = new IngestService({
    contract,
    topics: topicNames('t.'),
    authenticator: new ProducerAuthenticator(testProducers({ burst: opts.burst })),
    limiter: new ProducerRateLimiter(() => NOW),
    publisher: new IdempotentPublisher(new SeenEvents(1000, 60_000, () => NOW), async (r) => void records.push(r), 1000),
    metrics,
    adapters: { keycloak: new KeycloakAdapter(), auth0: new Auth0Adapter() },
    pseudonyms: new SubjectPseudonyms(GOLDEN_SUBJECT_KEY),
    instanceId: 'ingest-test',
    maxEventsPerRequest: 500,
    maxFutureMs: 3600_000,
    now: () => NOW,
  });
  const producer = (key: string, endpoint: 'events' | 'keycloak' | 'auth0' = 'events') => service.admit({ authorization: `Bearer ${key}` }, endpoint);
  const failure = async (p: Promise<unknown>): Promise<IngestError> => {
    const err = await p.then(() => undefined, (e: unknown) => e);
    if (!(err instanceof IngestError)) throw new Error(`expected an IngestError, got ${String(err)}`);
    return err;
  };
  return { service, records, metrics, producer, failure };
}

describe('IngestService.admit', () => {
  it('refuses a missing or wrong key (401) and a key of another endpoint (403)', () => {
    const { service } = setup();
    expect(() => service.admit({}, 'events')).toThrow(expect.objectContaining({ code: 'ERR_INGEST_UNAUTHENTICATED', status: 401 }));
    expect(() => service.admit({ 'x-api-key': `${TEST_KEYS.events}0` }, 'events')).toThrow(expect.objectContaining({ status: 401 }));
    expect(() => service.admit({ 'x-api-key': TEST_KEYS.keycloak }, 'events')).toThrow(expect.objectContaining({ code: 'ERR_INGEST_FORBIDDEN', status: 403 }));
    expect(service.admit({ 'x-api-key': TEST_KEYS.keycloak }, 'keycloak').id).toBe('keycloak-main');
  });
});

describe('IngestService.acceptEvents', () => {
  it('publishes a batch and answers with the ids', async () => {
    const { service, records, producer } = setup();
    const ids = ['0f6a7c1e-2b4d-4c8e-9a1f-0000000000a1', '0f6a7c1e-2b4d-4c8e-9a1f-0000000000a2'];
    await expect(service.acceptEvents(producer(TEST_KEYS.events), ids.map((id) => issued(id)))).resolves.toEqual({ accepted: ids, duplicates: [] });
    expect(records.map((r) => r.topic)).toEqual(['t.token-events', 't.token-events']);
  });

  it('takes a single event object too', async () => {
    const { service, records, producer } = setup();
    await service.acceptEvents(producer(TEST_KEYS.events), issued('0f6a7c1e-2b4d-4c8e-9a1f-0000000000a3'));
    expect(records).toHaveLength(1);
  });

  it('refuses the whole request with field errors when one event is invalid (422), publishing nothing', async () => {
    const { service, records, producer, failure } = setup();
    const good = issued('0f6a7c1e-2b4d-4c8e-9a1f-0000000000b1');
    const bad = issued('0f6a7c1e-2b4d-4c8e-9a1f-0000000000b2', { event_time: 'yesterday' });
    bad.event.token_kind = 'BEARER';
    const err = await failure(service.acceptEvents(producer(TEST_KEYS.events), [good, bad, { type: 'Alert', event: {} }, { type: 'TokenIssued', event: {}, extra: 1 }, 7]));
    expect(err.code).toBe('ERR_INGEST_INVALID_EVENTS');
    expect(err.status).toBe(422);
    const errors = err.extra.errors!;
    expect(errors.filter((e) => e.index === 1).map((e) => e.path)).toEqual(['event.header.event_time', 'event.token_kind']);
    expect(errors.filter((e) => e.index === 2)).toEqual([{ index: 2, path: 'type', message: expect.stringContaining('detector only') }]);
    expect(errors.filter((e) => e.index === 3).map((e) => e.path)).toContain('extra');
    expect(errors.filter((e) => e.index === 4)).toEqual([{ index: 4, path: '(root)', message: expect.any(String) }]);
    expect(records).toHaveLength(0);
  });

  it('refuses events of another service or tenant with 403 and field errors, publishing nothing', async () => {
    const { service, records, producer, failure } = setup();
    const wrongTenant = issued('0f6a7c1e-2b4d-4c8e-9a1f-0000000000c1', { tenant_id: 'initech' });
    const wrongService = issued('0f6a7c1e-2b4d-4c8e-9a1f-0000000000c2');
    wrongService.event.header.producer.service = 'token-service';
    const err = await failure(service.acceptEvents(producer(TEST_KEYS.events), [issued('0f6a7c1e-2b4d-4c8e-9a1f-0000000000c3'), wrongTenant, wrongService]));
    expect(err).toMatchObject({ code: 'ERR_INGEST_FORBIDDEN', status: 403 });
    expect(err.extra.errors).toEqual([
      { index: 1, path: 'event.header.tenant_id', message: 'is not a tenant this API key may write for' },
      { index: 2, path: 'event.header.producer.service', message: 'must be "partner-idp", the service of this API key' },
    ]);
    expect(records).toHaveLength(0);
  });

  it('publishes a retried request once', async () => {
    const { service, records, producer, metrics } = setup();
    const batch = [issued('0f6a7c1e-2b4d-4c8e-9a1f-0000000000d1'), issued('0f6a7c1e-2b4d-4c8e-9a1f-0000000000d2')];
    await service.acceptEvents(producer(TEST_KEYS.events), batch);
    const again = await service.acceptEvents(producer(TEST_KEYS.events), batch);
    expect(again).toEqual({ accepted: batch.map((b) => b.event.header.event_id), duplicates: batch.map((b) => b.event.header.event_id) });
    expect(records).toHaveLength(2);
    expect((await metrics.registry.getSingleMetric('tw_ingest_events_duplicate_total')!.get()).values[0].value).toBe(2);
  });

  it('rate-limits per producer with Retry-After (429), and caps events per request (413)', async () => {
    const { service, producer, failure } = setup({ burst: 3 });
    const p = producer(TEST_KEYS.events);
    const ids = (n: number, from: number) => Array.from({ length: n }, (_, i) => issued(`0f6a7c1e-2b4d-4c8e-9a1f-0000000001${String(from + i).padStart(2, '0')}`));
    await service.acceptEvents(p, ids(3, 0));
    const limited = await failure(service.acceptEvents(p, ids(1, 10)));
    expect(limited).toMatchObject({ code: 'ERR_INGEST_RATE_LIMITED', status: 429 });
    expect(limited.extra.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(() => producer(TEST_KEYS.events)).toThrow(expect.objectContaining({ status: 429 }));
    expect(producer(TEST_KEYS.otherEvents).id).toBe('other-idp');
    const tooMany = await failure(service.acceptEvents(producer(TEST_KEYS.otherEvents), new Array(501).fill({})));
    expect(tooMany).toMatchObject({ code: 'ERR_INGEST_TOO_MANY_EVENTS', status: 413 });
  });
});

describe('IngestService.acceptSource', () => {
  it('maps, skips and parks a Keycloak batch; parked events go to dead-letters redacted, with the reason', async () => {
    const { service, records, producer, metrics } = setup();
    const cases = goldenCases('keycloak');
    const inputs = cases.map((c) => c.input);
    const result = await service.acceptSource(producer(TEST_KEYS.keycloak, 'keycloak'), 'keycloak', inputs);
    const expectedEvents = cases.flatMap((c) => (c.expected?.outcome === 'mapped' ? c.expected.events : []));
    expect(result).toMatchObject({
      received: cases.length,
      skipped: cases.filter((c) => c.expected?.outcome === 'skipped').length,
      parked: cases.filter((c) => c.expected?.outcome === 'parked').length,
      duplicates: [],
    });
    expect(result.accepted).toHaveLength(expectedEvents.length);
    const dead = records.filter((r) => r.topic === 't.dead-letters');
    expect(dead.map((r) => r.headers!['tw-error-code']).sort()).toEqual(['INGEST_REALM_NOT_CONFIGURED', 'INGEST_UNKNOWN_TYPE']);
    const text = dead.map((r) => r.value!.toString()).join('\n');
    expect(text).not.toContain('jane');
    expect(text).not.toContain('6b1f3c9e-2d4a-4e8b-9f10-7a2c5d8e1b34');
    const parkedMetric = await metrics.registry.getSingleMetric('tw_ingest_source_events_parked_total')!.get();
    expect(parkedMetric.values.map((v) => [v.labels.code, v.value]).sort()).toEqual([['INGEST_REALM_NOT_CONFIGURED', 1], ['INGEST_UNKNOWN_TYPE', 1]]);
  });

  it('a replayed Auth0 batch publishes nothing new and parks nothing twice', async () => {
    const { service, records, producer } = setup();
    const inputs = goldenCases('auth0').map((c) => c.input);
    const first = await service.acceptSource(producer(TEST_KEYS.auth0, 'auth0'), 'auth0', inputs);
    const count = records.length;
    const second = await service.acceptSource(producer(TEST_KEYS.auth0, 'auth0'), 'auth0', inputs);
    expect(records).toHaveLength(count);
    expect(second.accepted).toEqual(first.accepted);
    expect(second.duplicates).toEqual(first.accepted);
    expect(second.parked).toBe(first.parked);
  });

  it('parks a mapped event that breaks the contract instead of losing it', async () => {
    const { service, records, producer } = setup();
    const c = goldenCases('auth0').find((x) => x.name === 'seacft')!;
    const input = c.input as { data: Record<string, unknown> };
    const future = { ...input, data: { ...input.data, date: '2099-01-01T00:00:00Z' } };
    const result = await service.acceptSource(producer(TEST_KEYS.auth0, 'auth0'), 'auth0', [future]);
    expect(result).toMatchObject({ accepted: [], parked: 1 });
    expect(records[0].headers!['tw-error-code']).toBe('INGEST_MAPPING_INVALID');
    expect(records[0].headers!['tw-error-message']).toContain('header.event_time');
  });
});
