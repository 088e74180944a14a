// When Kafka cannot take the event: issuance, refresh, revocation and erasure answer 503 and change
// nothing; validation still answers and counts the lost event (README, "When Kafka is down").
import { waitFor } from '@tokenwarden/testing';
import { CompactSign } from 'jose';
import { SECRET } from './support/clients';
import { sealedKey } from '../../apps/token-service/src/testing/token-kit';
import { clientCredentials, exchange, refresh, validate } from './support/flows';
import { ADMIN_TOKEN, cluster, Cluster, Instance, ISSUER } from './support/harness';
import { basic, get, post, postForm } from './support/http';

let c: Cluster;
let down: Instance;
const UNAVAILABLE = { error: 'temporarily_unavailable', error_description: expect.any(String) };
const metric = async (svc: Instance, line: RegExp) => line.exec((await get(`${svc.url}/metrics`)).text)?.[1];

/** A valid token of the offline instance, signed with its key (it cannot issue one itself). */
async function signedByInstance(svc: Instance): Promise<string> {
  const key = sealedKey(svc.runtime.c.store.signingKey());
  const iat = Math.floor(Date.now() / 1000);
  const claims = { iss: ISSUER, sub: 'billing', aud: 'https://api.tokenwarden.test', client_id: 'billing', iat, exp: iat + 600, jti: `offline-${iat}`, scope: 'read' };
  return new CompactSign(Buffer.from(JSON.stringify(claims))).setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'at+jwt' }).sign(key.key);
}

beforeAll(async () => {
  c = await cluster('tsvc_kafka_down');
  down = await c.start({}, { offline: true });
});
afterAll(async () => c?.stopAll());

describe('Kafka unreachable', () => {
  it('client_credentials → 503 temporarily_unavailable, no token, nothing recorded', async () => {
    const r = await postForm(`${down.url}/oauth2/token`, { grant_type: 'client_credentials' }, { authorization: basic('billing', SECRET) });
    expect(r.status).toBe(503);
    expect(r.json).toEqual(UNAVAILABLE);
    expect(r.text).not.toContain('access_token');
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(down.runtime.c.live.size).toBe(0);
    expect(await metric(down, /tw_token_requests_unaudited_total\{operation="issue"\} (\d+)/)).toBe('1');
  });

  it('token exchange → 503 and the started refresh family is discarded', async () => {
    const r = await exchange(c, down, 'ivy');
    expect(r.status).toBe(503);
    expect(r.json).toEqual(UNAVAILABLE);
    expect(down.runtime.c.families.size).toBe(0);
  });

  it('revocation and erasure → 503, and the token stays valid', async () => {
    const token = await signedByInstance(down);
    const revoke = await postForm(`${down.url}/oauth2/revoke`, { token }, { authorization: basic('billing', SECRET) });
    expect(revoke.status).toBe(503);
    expect(revoke.json).toEqual(UNAVAILABLE);
    const erase = await post(`${down.url}/v1/subjects/billing/erase`, undefined, { authorization: `Bearer ${ADMIN_TOKEN}` });
    expect(erase.status).toBe(503);
    expect(await validate(down, token)).toMatchObject({ valid: true });
  });

  it('validation still answers; the lost TokenValidated is counted and logged', async () => {
    const token = await signedByInstance(down);
    expect(await validate(down, token)).toMatchObject({ valid: true, reason: 'OK' });
    expect(await validate(down, 'garbage')).toEqual({ valid: false, reason: 'MALFORMED' });
    await waitFor(async () => Number(await metric(down, /tw_token_audit_events_lost_total\{type="TokenValidated"\} (\d+)/)) >= 2, 15000, { what: 'lost events counted' });
    expect(down.logs.some((l) => l.level === 'error' && l.message === 'audit event lost')).toBe(true);
    expect(JSON.stringify(down.logs)).not.toContain(token);
  });

  it('/ready is 503 while Kafka is out of reach; /health stays 200', async () => {
    expect((await get(`${down.url}/ready`)).status).toBe(503);
    expect((await get(`${down.url}/health`)).status).toBe(200);
  });
});

describe('Kafka lost mid-flight', () => {
  it('a refresh whose events cannot be published is undone: the old refresh token still rotates', async () => {
    const up = await c.start();
    await waitFor(() => up.runtime.readiness().ready, 20000, { what: 'ready' });
    const first = await exchange(c, up, 'jack');
    expect(first.status).toBe(200);
    await up.runtime.c.producer.disconnect();
    const r = await refresh(c, up, first.json?.refresh_token as string);
    expect(r.status).toBe(503);
    expect(r.json).toEqual(UNAVAILABLE);
    // Not reuse: the rotation was put back, so the same token rotates (in memory; this instance cannot publish any more).
    expect(up.runtime.c.families.rotate(first.json?.refresh_token as string, 'gateway').kind).toBe('ROTATED');
    expect((await clientCredentials(up).catch((e: Error) => e.message))).toMatch(/503/);
  });
});
