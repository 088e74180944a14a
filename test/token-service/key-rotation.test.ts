// Rotation end to end (ATTACKS.md 25): a token from every key phase, and the KeyLifecycle events.
import { CompactSign, decodeProtectedHeader } from 'jose';
import { testEnv, waitFor } from '@tokenwarden/testing';
import { openPrivateKey } from '../../apps/token-service/src/keys/key-material';
import { EventLog } from './support/event-log';
import { clientCredentials, validate } from './support/flows';
import { ADMIN_TOKEN, cluster, Cluster, Instance } from './support/harness';
import { get, post } from './support/http';

let c: Cluster;
let svc: Instance;
let events: EventLog;
const clock = { ms: Date.now() };
const KEK = Buffer.from('9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', 'hex');
const kidOf = (token: string) => decodeProtectedHeader(token).kid as string;
const phases = (kid: string) => events.records.filter((r) => r.topic === c.topics.keyEvents && r.key === kid).map((r) => (r.event?.value as { phase: string }).phase);

beforeAll(async () => {
  c = await cluster('tsvc_rotation');
  svc = await c.start({ TW_KEY_TICK_MS: '3600000' }, { now: () => clock.ms });
  events = await EventLog.start(testEnv().kafkaBrokers, c.topics);
  await waitFor(() => svc.runtime.readiness().ready, 20000, { what: 'ready' });
});
afterAll(async () => {
  await events?.stop();
  await c?.stopAll();
});

describe('25. key rotation end to end', () => {
  it('active → published successor → previous still published → retired', async () => {
    const first = await clientCredentials(svc);
    const k1 = kidOf(first.token);

    expect((await post(`${svc.url}/v1/keys/rotate`, undefined, { authorization: 'Bearer wrong' })).status).toBe(401);
    const rotated = await post(`${svc.url}/v1/keys/rotate`, undefined, { authorization: `Bearer ${ADMIN_TOKEN}` });
    expect(rotated.status).toBe(200);
    const steps = rotated.json?.steps as Array<{ kid: string; phase: string }>;
    expect(steps.map((s) => s.phase)).toEqual(['GENERATED', 'PUBLISHED']);
    const k2 = steps[0].kid;
    const jwks = (await get(`${svc.url}/.well-known/jwks.json`)).json?.keys as Array<{ kid: string }>;
    expect(jwks.map((k) => k.kid)).toEqual([k1, k2]);
    expect(kidOf((await clientCredentials(svc)).token)).toBe(k1);

    // A token signed by the newly published (not yet signing) key validates.
    const stored = svc.runtime.c.store.export().find((k) => k.kid === k2);
    if (!stored) throw new Error('k2 not stored');
    const k2Private = openPrivateKey(stored.encryptedPrivateKey, k2, stored.alg, KEK);
    const claims = { ...JSON.parse(Buffer.from(first.token.split('.')[1], 'base64url').toString()), jti: 'signed-by-published-key' };
    const early = await new CompactSign(Buffer.from(JSON.stringify(claims))).setProtectedHeader({ alg: 'ES256', kid: k2, typ: 'at+jwt' }).sign(k2Private);
    expect(await validate(svc, early)).toMatchObject({ valid: true });

    clock.ms += 301_000; // one JWKS cache lifetime later the successor signs
    await svc.runtime.c.keys.tick();
    const second = await clientCredentials(svc);
    expect(kidOf(second.token)).toBe(k2);
    expect(await validate(svc, first.token)).toMatchObject({ valid: true, reason: 'OK' });
    expect(((await get(`${svc.url}/.well-known/jwks.json`)).json?.keys as Array<{ kid: string }>).map((k) => k.kid)).toEqual([k2, k1]);

    clock.ms += 1231_000; // longest token + tolerance + cache lifetime after it stopped signing: retired
    await svc.runtime.c.keys.tick();
    expect(await validate(svc, first.token)).toEqual({ valid: false, reason: 'KEY_RETIRED' });
    expect(((await get(`${svc.url}/.well-known/jwks.json`)).json?.keys as Array<{ kid: string }>).map((k) => k.kid)).toEqual([k2]);
    const third = await clientCredentials(svc);
    expect(await validate(svc, third.token)).toMatchObject({ valid: true });

    await waitFor(() => phases(k1).includes('RETIRED') && phases(k2).includes('ACTIVATED'), 10000, { what: 'key events' });
    expect(phases(k1)).toEqual(['GENERATED', 'PUBLISHED', 'ACTIVATED', 'RETIRED']);
    expect(phases(k2)).toEqual(['GENERATED', 'PUBLISHED', 'ACTIVATED']);
    const ev = events.records.find((r) => r.topic === c.topics.keyEvents && r.key === k2)?.event?.value as unknown as Record<string, unknown>;
    expect(ev).toMatchObject({ kid: k2, alg: 'ES256', storage: 'SOFTWARE', jwk_thumbprint: k2 });
    expect(JSON.stringify(events.records)).not.toContain(stored.encryptedPrivateKey);
  });
});
