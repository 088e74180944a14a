// libs/guard against real Kafka and a running token service: valid, revoked (within 1 s) and
// every ATTACKS.md token a token alone can express are decided locally, and every decision lands
// as exactly one TokenValidated (validator = the guard's name) on token-events.
import type { TokenValidated } from '@tokenwarden/events';
import { testEnv, waitFor } from '@tokenwarden/testing';
import { createDemoApp, demoGuard } from '../../apps/demo-api/src/create-demo-app';
import { loadDemoApiConfig } from '../../apps/demo-api/src/demo-api.config';
import { guardIo } from '../../apps/token-service/src/testing/io-guard';
import { API, SECRET } from '../token-service/support/clients';
import { EventLog } from '../token-service/support/event-log';
import { clientCredentials } from '../token-service/support/flows';
import { cluster, Cluster, Instance, ISSUER } from '../token-service/support/harness';
import { hostileTokens } from '../token-service/support/hostile-tokens';
import { basic, postForm } from '../token-service/support/http';
import { GUARD_NAME, RunningGuard, startGuard, traced } from './support/guard-harness';

let c: Cluster;
let svc: Instance;
let guard: RunningGuard;
let events: EventLog;

beforeAll(async () => {
  c = await cluster('guard_it');
  svc = await c.start();
  events = await EventLog.start(testEnv().kafkaBrokers, c.topics);
  await waitFor(() => svc.runtime.readiness().ready, 20000, { what: 'token service ready' });
  guard = await startGuard(c, svc);
  await waitFor(() => guard.runtime.ready(), 20000, { what: 'guard ready' });
});
afterAll(async () => {
  await guard?.close();
  await events?.stop();
  await c?.stopAll();
});

const guardEvents = (trace: string): TokenValidated[] =>
  events.of('TokenValidated', (e) => e.validator === GUARD_NAME && e.header.trace_id === trace);
const get = (url: string, headers: Record<string, string>) => fetch(url, { headers });

describe('the guard over HTTP (middleware)', () => {
  it('a valid token with the scope passes; its TokenValidated lands on token-events', async () => {
    const { token, jti } = await clientCredentials(svc);
    const t = traced();
    const r = await get(guard.url, { authorization: `Bearer ${token}`, traceparent: t.traceparent });
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ ok: true, client_id: 'billing' });
    const [e] = await waitFor(() => (guardEvents(t.trace).length > 0 ? guardEvents(t.trace) : undefined), 15000, { what: 'guard event' });
    expect(e).toMatchObject({
      jti, iss: ISSUER, outcome: 'VALID', reason: 'OK', validator: GUARD_NAME, audience: API, resource_server: 'orders-api', alg: 'ES256',
    });
    expect(e.header.producer.service).toBe(GUARD_NAME);
    expect(e.header.client_id).toBe('billing');
    expect(e.header.subject_ref).toMatch(/^[0-9a-f]{64}$/);
  });

  it('no token: 401 with a bare challenge and no event; garbage: 401 invalid_token and one MALFORMED event', async () => {
    const none = await get(guard.url, {});
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe(`Bearer realm="${API}"`);
    const t = traced();
    const bad = await get(guard.url, { authorization: 'Bearer not.a.jwt-at-all', traceparent: t.traceparent });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toBe(`Bearer realm="${API}", error="invalid_token"`);
    expect(await bad.json()).toEqual({ error: 'invalid_token', error_description: 'the access token is not valid' });
    const found = await waitFor(() => (guardEvents(t.trace).length > 0 ? guardEvents(t.trace) : undefined), 15000);
    expect(found.map((e) => [e.outcome, e.reason])).toEqual([['INVALID', 'MALFORMED']]);
  });

  it('a token revoked through the token service is refused by the guard within 1 s', async () => {
    const { token, jti } = await clientCredentials(svc);
    expect((await get(guard.url, { authorization: `Bearer ${token}` })).status).toBe(200);
    const r = await postForm(`${svc.url}/oauth2/revoke`, { token }, { authorization: basic('billing', SECRET) });
    expect(r.status).toBe(200);
    // waitFor fails the test unless the guard refuses it within 1000 ms of the revoke's answer.
    await waitFor(async () => (await get(guard.url, { authorization: `Bearer ${token}` })).status === 401, 1000, { what: 'guard refuses the revoked token', intervalMs: 20 });
    const t = traced();
    expect((await get(guard.url, { authorization: `Bearer ${token}`, traceparent: t.traceparent })).status).toBe(401);
    const [e] = await waitFor(() => (guardEvents(t.trace).length > 0 ? guardEvents(t.trace) : undefined), 15000);
    expect(e).toMatchObject({ jti, outcome: 'INVALID', reason: 'REVOKED' });
  });
});

describe('ATTACKS.md through the guard', () => {
  it('every hostile token gets its documented reason, no outbound I/O, and exactly one TokenValidated', async () => {
    const key = svc.runtime.c.store.signingKey();
    if (!key) throw new Error('no signing key');
    const cases = await hostileTokens(key);
    await guard.runtime.jwks.refresh(); // keys warm: a hostile token must not be what triggers a fetch
    const sent: Array<{ trace: string; reason: string; name: string }> = [];
    const io = guardIo();
    const got: string[] = [];
    try {
      for (const h of cases) {
        const t = traced();
        const d = await guard.runtime.access.check({ headers: { authorization: `Bearer ${h.token}`, traceparent: t.traceparent } }, 'read');
        got.push(`${h.cls} ${h.name}: ${d.allowed ? 'ALLOWED' : d.reason}`);
        sent.push({ trace: t.trace, reason: h.reason, name: h.name });
      }
    } finally {
      io.restore();
    }
    // 'random kid' may refetch the JWKS (the configured URL only, at most once per cooldown): the only I/O allowed.
    expect(io.calls().filter((call) => !call.startsWith(`fetch(${svc.url}/.well-known/jwks.json`))).toEqual([]);
    expect(got).toEqual(cases.map((h) => `${h.cls} ${h.name}: ${h.reason}`));
    await waitFor(() => sent.every((s) => guardEvents(s.trace).length >= 1), 20000, { what: `${sent.length} guard events` });
    for (const s of sent) {
      const found = guardEvents(s.trace);
      expect([s.name, found.length, found[0].outcome, found[0].reason]).toEqual([s.name, 1, 'INVALID', s.reason]);
    }
  });
});

describe('apps/demo-api (Nest guard)', () => {
  it('GET /orders: 401 without a token, 403 insufficient_scope without orders:read, each checked token recorded', async () => {
    const config = loadDemoApiConfig({
      TW_KAFKA_BROKERS: testEnv().kafkaBrokers.join(','), TW_TOPIC_PREFIX: c.prefix, TW_ISSUER: ISSUER,
      TW_JWKS_URL: `${svc.url}/.well-known/jwks.json`, TW_SUBJECT_REF_KEY: 'Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWprbG1ub3A', TW_DEMO_PORT: '0',
    });
    const runtime = demoGuard(config, () => undefined);
    const app = await createDemoApp(runtime);
    await app.listen(0, '127.0.0.1');
    try {
      const url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
      await waitFor(async () => (await fetch(`${url}/ready`)).ok && runtime.ready(), 20000, { what: 'demo-api ready' });
      expect((await fetch(`${url}/orders`)).status).toBe(401);
      const { token } = await clientCredentials(svc); // scope "read": no orders:read
      const t = traced();
      const r = await fetch(`${url}/orders`, { headers: { authorization: `Bearer ${token}`, traceparent: t.traceparent } });
      expect(r.status).toBe(403);
      expect(r.headers.get('www-authenticate')).toBe(`Bearer realm="${API}", error="insufficient_scope", scope="orders:read"`);
      const [e] = await waitFor(() => {
        const found = events.of('TokenValidated', (v) => v.validator === 'demo-api' && v.header.trace_id === t.trace);
        return found.length > 0 ? found : undefined;
      }, 15000);
      expect(e).toMatchObject({ outcome: 'VALID', reason: 'OK', resource_server: 'demo-api', audience: API });
      expect(await (await fetch(`${url}/metrics`)).text()).toContain('tw_guard_decisions_total{outcome="VALID",reason="OK"} 1');
    } finally {
      await app.close();
    }
  });
});
