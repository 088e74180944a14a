// Event-sourced revocation across two instances, RFC 7009 rules (ATTACKS.md 20, 24) and tombstones.
import { CompactSign, decodeJwt } from 'jose';
import { testEnv, waitFor } from '@tokenwarden/testing';
import { assertionParams, SECRET } from './support/clients';
import { sealedKey } from '../../apps/token-service/src/testing/token-kit';
import { EventLog } from './support/event-log';
import { clientCredentials, exchange, jtiOf, refresh, TOKEN_ENDPOINT, validate } from './support/flows';
import { cluster, Cluster, Instance, ISSUER } from './support/harness';
import { basic, postForm } from './support/http';

let c: Cluster;
let a: Instance;
let b: Instance;
let events: EventLog;
const clock = { offsetMs: 0 };
const revoke = (svc: Instance, token: string, clientId = 'billing') =>
  postForm(`${svc.url}/oauth2/revoke`, { token }, { authorization: basic(clientId, SECRET) });

beforeAll(async () => {
  c = await cluster('tsvc_revocation');
  a = await c.start({}, { now: () => Date.now() + clock.offsetMs });
  b = await c.start({ TW_KEY_ROTATION_LEADER: 'false' });
  events = await EventLog.start(testEnv().kafkaBrokers, c.topics);
  await waitFor(() => a.runtime.readiness().ready && b.runtime.readiness().ready, 30000, { what: 'both instances ready' });
});
afterAll(async () => {
  await events?.stop();
  await c?.stopAll();
});

describe('two instances, one revocations topic', () => {
  it('the follower verifies the leader\'s tokens (shared key directory)', async () => {
    const { token } = await clientCredentials(a);
    expect(await validate(b, token)).toMatchObject({ valid: true, reason: 'OK' });
  });

  it('a token revoked through instance A is refused by instance B within 1 s', async () => {
    const { token, jti } = await clientCredentials(a);
    expect(await validate(b, token)).toMatchObject({ valid: true });
    const r = await revoke(a, token);
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-store');
    const acked = Date.now();
    await waitFor(async () => (await validate(b, token))?.reason === 'REVOKED', 1000, { what: 'B refuses the revoked token', intervalMs: 20 });
    expect(Date.now() - acked).toBeLessThan(1000);
    const [e] = await events.await('TokenRevoked', (v) => v.jti === jti);
    expect(e).toMatchObject({ iss: ISSUER, token_kind: 'ACCESS', reason: 'CLIENT_REQUEST', cascade: false, revoked_by: 'billing', expires_at: (decodeJwt(token).exp as number) * 1000 });
    // The revocations topic is read by the same log consumer, but its records may arrive after token-events'.
    const onTopic = () => events.records.filter((x) => x.topic === c.topics.revocations && x.key === `${ISSUER} ${jti}`);
    await waitFor(() => onTopic().length > 0, 10000, { what: 'the revocation on the revocations topic' });
    expect(onTopic().map((x) => x.event?.type)).toEqual(['TokenRevoked']);
  });

  it('20. the same claims re-serialized (another string) are still revoked: revocation is by (iss, jti)', async () => {
    const { token } = await clientCredentials(a);
    await revoke(a, token);
    const key = sealedKey(a.runtime.c.store.signingKey());
    const payload = Buffer.from(JSON.stringify(decodeJwt(token)));
    const twin = await new CompactSign(payload).setProtectedHeader({ typ: 'at+jwt', kid: key.kid, alg: 'ES256' }).sign(key.key);
    expect(twin).not.toBe(token);
    await waitFor(async () => (await validate(b, twin))?.reason === 'REVOKED', 2000, { what: 'twin refused on B' });
    expect(await validate(a, twin)).toEqual({ valid: false, reason: 'REVOKED' });
  });
});

describe('24. RFC 7009 revocation rules', () => {
  it('without client authentication → 401 invalid_client', async () => {
    const { token } = await clientCredentials(a);
    const r = await postForm(`${a.url}/oauth2/revoke`, { token });
    expect(r.status).toBe(401);
    expect(r.json).toEqual({ error: 'invalid_client', error_description: expect.any(String) });
    const wrong = await postForm(`${a.url}/oauth2/revoke`, { token }, { authorization: basic('billing', 'not-the-secret-not-the-secret-123') });
    expect(wrong.status).toBe(401);
    expect(await validate(a, token)).toMatchObject({ valid: true });
  });

  it.each([['garbage', 'garbage'], ['two segments', 'a.b'], ['refresh-shaped', `${'A'.repeat(22)}.${'B'.repeat(43)}`], ['empty-ish', ' ']])(
    'revoking %s → 200 and nothing else', async (_n, token) => {
      const before = events.records.filter((x) => x.topic === c.topics.revocations).length;
      const r = await revoke(a, token);
      expect(r.status).toBe(200);
      expect(r.text).toBe('');
      expect(events.records.filter((x) => x.topic === c.topics.revocations).length).toBe(before);
    });

  it('another client\'s token → 200, refused: the token stays active on both instances', async () => {
    const { token, jti } = await clientCredentials(a);
    const r = await revoke(a, token, 'rival');
    expect(r.status).toBe(200);
    expect(await validate(a, token)).toMatchObject({ valid: true });
    expect(await validate(b, token)).toMatchObject({ valid: true });
    await events.await('TokenValidated', (v) => v.jti === jti && v.validator === 'revocation' && v.reason === 'CLIENT_MISMATCH');
    expect(events.of('TokenRevoked', (v) => v.jti === jti)).toEqual([]);
  });

  it('a refresh token takes its family and the family\'s access tokens along', async () => {
    const first = await exchange(c, a, 'dora');
    const second = await refresh(c, a, first.json?.refresh_token as string);
    const access = [first.json?.access_token as string, second.json?.access_token as string];
    const r = await postForm(`${a.url}/oauth2/revoke`, {
      token: second.json?.refresh_token as string, token_type_hint: 'refresh_token', ...(await assertionParams(c.clients.gatewayKey, TOKEN_ENDPOINT)),
    });
    expect(r.status).toBe(200);
    for (const t of access) {
      await waitFor(async () => (await validate(b, t))?.reason === 'REVOKED', 2000, { what: 'family access token refused on B' });
    }
    expect((await refresh(c, a, second.json?.refresh_token as string)).json?.error).toBe('invalid_grant');
    const revoked = await events.await('TokenRevoked', (v) => v.reason === 'CLIENT_REQUEST' && v.revoked_by === 'gateway', 4);
    expect(revoked.filter((v) => v.token_kind === 'ACCESS').map((v) => v.jti).sort()).toEqual(access.map(jtiOf).sort());
    expect(revoked.filter((v) => !v.cascade).map((v) => v.token_kind)).toEqual(['REFRESH']);
  });
});

describe('tombstones', () => {
  it('once a revoked token expired, the sweep publishes a tombstone and every instance forgets the entry', async () => {
    const { token, jti } = await clientCredentials(a);
    await revoke(a, token);
    await waitFor(() => b.runtime.c.set.isRevoked(ISSUER, jti), 2000, { what: 'B materialized the revocation' });
    clock.offsetMs = 16 * 60 * 1000;
    expect(await a.runtime.sweep()).toBeGreaterThanOrEqual(1);
    await waitFor(() => events.records.some((x) => x.topic === c.topics.revocations && x.key === `${ISSUER} ${jti}` && x.event === null), 5000, { what: 'tombstone' });
    await waitFor(() => !b.runtime.c.set.isRevoked(ISSUER, jti), 2000, { what: 'B forgot the entry' });
    expect(a.runtime.c.set.isRevoked(ISSUER, jti)).toBe(false);
  });
});
