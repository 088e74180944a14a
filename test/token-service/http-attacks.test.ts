// ATTACKS.md through HTTP: every hostile token at /v1/validate and /oauth2/introspect gets the
// documented status and reason, exactly one TokenValidated (outcome INVALID, that reason), no
// crash, no outbound request, bounded time.
import { randomBytes } from 'node:crypto';
import type { TokenValidated } from '@tokenwarden/events';
import { testEnv, waitFor } from '@tokenwarden/testing';
import { guardIo, IoGuard } from '../../apps/token-service/src/testing/io-guard';
import { SECRET } from './support/clients';
import { EventLog } from './support/event-log';
import { cluster, Cluster, Instance } from './support/harness';
import { HostileCase, hostileTokens } from './support/hostile-tokens';
import { basic, postForm, postJson, Reply } from './support/http';

let c: Cluster;
let svc: Instance;
let events: EventLog;
let cases: HostileCase[];
const rs = basic('resource-api', SECRET);
const MODULES = `(${process.cwd()}/node_modules/`;
const sent: Array<{ trace: string; validator: string; reason: string }> = [];

beforeAll(async () => {
  c = await cluster('tsvc_attacks');
  svc = await c.start();
  events = await EventLog.start(testEnv().kafkaBrokers, c.topics);
  await waitFor(() => svc.runtime.readiness().ready, 20000, { what: 'ready' });
  const key = svc.runtime.c.store.signingKey();
  if (!key) throw new Error('no signing key');
  cases = await hostileTokens(key);
});
afterAll(async () => {
  await events?.stop();
  await c?.stopAll();
});

/** One request with its own trace id, so its event can be found; bounded time, no outbound I/O. */
async function send(validator: string, reason: string, call: (headers: Record<string, string>) => Promise<Reply>): Promise<Reply> {
  const trace = randomBytes(16).toString('hex');
  let io: IoGuard | undefined;
  const started = performance.now();
  io = guardIo();
  let r: Reply;
  try {
    r = await call({ authorization: rs, traceparent: `00-${trace}-${'1'.repeat(16)}-01` });
  } finally {
    // Allowed: our own request to the service, and lazy module loading under node_modules.
    const calls = io.calls().filter((x) => !x.startsWith(`fetch(${svc.url}`) && !/^(connect|createConnection)\(/.test(x) && !x.includes(MODULES));
    io.restore();
    io = undefined;
    expect(calls).toEqual([]);
  }
  expect(performance.now() - started).toBeLessThan(1000);
  sent.push({ trace, validator, reason });
  return r;
}

describe('hostile tokens over HTTP', () => {
  it('covers classes 1-19 with several variants each', () => {
    const perClass = new Map<number, number>();
    for (const k of cases) perClass.set(k.cls, (perClass.get(k.cls) ?? 0) + 1);
    expect([...perClass.keys()].sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    for (const n of perClass.values()) expect(n).toBeGreaterThanOrEqual(2);
  });

  it('POST /v1/validate: 200 with {"valid": false, "reason"} for every case', async () => {
    for (const k of cases) {
      const r = await send('token-service', k.reason, (h) => postJson(`${svc.url}/v1/validate`, { token: k.token }, h));
      expect([k.name, r.status, r.json]).toEqual([k.name, 200, { valid: false, reason: k.reason }]);
    }
  });

  it('POST /oauth2/introspect: exactly {"active":false} for every case', async () => {
    for (const k of cases) {
      const r = await send('introspection', k.introspectReason ?? k.reason, (h) => postForm(`${svc.url}/oauth2/introspect`, { token: k.token }, h));
      expect([k.name, r.status, r.text]).toEqual([k.name, 200, '{"active":false}']);
    }
  });

  it('17. a body of megabytes is refused (413) before parsing, and still leaves its TokenValidated TOO_LARGE', async () => {
    for (const path of ['/v1/validate', '/oauth2/introspect']) {
      const validator = path === '/v1/validate' ? 'token-service' : 'introspection';
      const r = await send(validator, 'TOO_LARGE', (h) => postForm(`${svc.url}${path}`, { token: 'a'.repeat(3 << 20) }, h));
      expect(r.status).toBe(413);
      expect(r.json).toEqual({ error: 'invalid_request', error_description: 'the request body is too large' });
    }
  });

  it('exactly one TokenValidated per request, outcome INVALID with the expected reason', async () => {
    const byTrace = () => {
      const m = new Map<string, TokenValidated[]>();
      for (const e of events.of('TokenValidated')) m.set(e.header.trace_id ?? '', [...(m.get(e.header.trace_id ?? '') ?? []), e]);
      return m;
    };
    await waitFor(() => sent.every((s) => byTrace().has(s.trace)), 20000, { what: `${sent.length} TokenValidated events` });
    await new Promise((resolve) => setTimeout(resolve, 300)); // a duplicate would arrive within this
    const seen = byTrace();
    for (const s of sent) {
      const got = seen.get(s.trace) ?? [];
      expect([s, got.length]).toEqual([s, 1]);
      expect([s, got[0].outcome, got[0].reason, got[0].validator]).toEqual([s, 'INVALID', s.reason, s.validator]);
      expect(got[0].header.subject_ref === null || /^[0-9a-f]{64}$/.test(got[0].header.subject_ref)).toBe(true);
    }
    expect(sent.length).toBe(cases.length * 2 + 2);
    expect(svc.runtime.status).toBe('running');
  });
});
