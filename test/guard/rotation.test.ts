// Key rotation seen from the guard (ATTACKS.md 25): a key published ahead is picked up on its first
// unknown kid (one refetch), and a retired key, gone from the JWKS, is refused after the next refresh.
import { CompactSign, decodeJwt, decodeProtectedHeader } from 'jose';
import { waitFor } from '@tokenwarden/testing';
import { openPrivateKey } from '../../apps/token-service/src/keys/key-material';
import { clientCredentials } from '../token-service/support/flows';
import { ADMIN_TOKEN, cluster, Cluster, Instance } from '../token-service/support/harness';
import { post } from '../token-service/support/http';
import { RunningGuard, startGuard } from './support/guard-harness';

let c: Cluster;
let svc: Instance;
let guard: RunningGuard;
const clock = { ms: Date.now() };
const KEK = Buffer.from('9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', 'hex');
const check = (token: string) => guard.runtime.access.check({ headers: { authorization: `Bearer ${token}` } });

beforeAll(async () => {
  c = await cluster('guard_rotation');
  svc = await c.start({ TW_KEY_TICK_MS: '3600000' }, { now: () => clock.ms });
  await waitFor(() => svc.runtime.readiness().ready, 20000, { what: 'token service ready' });
  // Short refresh and cooldown so the test needs no long waits; the rules are the same.
  guard = await startGuard(c, svc, { jwks: { refreshIntervalMs: 300, cooldownMs: 200, maxAgeMs: 60_000 } });
  await waitFor(() => guard.runtime.ready(), 20000, { what: 'guard ready' });
});
afterAll(async () => {
  await guard?.close();
  await c?.stopAll();
});

it('published successor accepted via one unknown-kid refetch; the retired key refused (KEY_UNKNOWN) once gone from the JWKS', async () => {
  const first = await clientCredentials(svc);
  const k1 = decodeProtectedHeader(first.token).kid as string;
  expect(await check(first.token)).toMatchObject({ allowed: true });

  const rotated = await post(`${svc.url}/v1/keys/rotate`, undefined, { authorization: `Bearer ${ADMIN_TOKEN}` });
  expect(rotated.status).toBe(200);
  const k2 = (rotated.json?.steps as Array<{ kid: string }>)[0].kid;
  const stored = svc.runtime.c.store.export().find((k) => k.kid === k2);
  if (!stored) throw new Error('k2 not stored');
  const k2Private = openPrivateKey(stored.encryptedPrivateKey, k2, stored.alg, KEK);
  const claims = { ...decodeJwt(first.token), jti: 'signed-by-the-successor' };
  const early = await new CompactSign(Buffer.from(JSON.stringify(claims))).setProtectedHeader({ alg: 'ES256', kid: k2, typ: 'at+jwt' }).sign(k2Private);
  await waitFor(async () => (await check(early)).allowed, 5000, { what: 'successor key picked up' });

  clock.ms += 301_000;
  await svc.runtime.c.keys.tick();
  clock.ms += 1231_000;
  await svc.runtime.c.keys.tick();
  expect(svc.runtime.c.store.verificationKey(k1).status).toBe('retired');
  await waitFor(async () => (await check(first.token)).reason === 'KEY_UNKNOWN', 5000, { what: 'rotated-out key refused' });
  expect(await check(first.token)).toMatchObject({ allowed: false, status: 401, reason: 'KEY_UNKNOWN' });
  expect(await check(early)).toMatchObject({ allowed: true });
});
