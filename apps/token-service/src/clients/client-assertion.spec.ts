// RFC 7523 private_key_jwt client assertions, including the hostile header cases.
import { createHmac, createPublicKey, generateKeyPairSync, randomUUID } from 'node:crypto';
import { exportJWK } from 'jose';
import { clientsFile, ClientKit } from '../testing/client-kit';
import { ISSUER, raw, sign, T0, testPolicy } from '../testing/token-kit';
import { tokenEndpointOf } from '../token-service.config';
import { ClientAssertionVerifier } from './client-assertion';
import { ClientRegistry } from './client-registry';
import { ReplayCache } from './replay-cache';

const ENDPOINT = tokenEndpointOf(ISSUER);
const now = Math.floor(T0 / 1000);
let kit: ClientKit;
let verifier: ClientAssertionVerifier;
beforeAll(async () => (kit = await clientsFile()));
beforeEach(() => {
  const registry = ClientRegistry.fromJson(kit.json, testPolicy());
  verifier = new ClientAssertionVerifier({
    registry, tokenEndpoint: ENDPOINT, issuer: ISSUER, replay: new ReplayCache(() => T0), clockToleranceSeconds: 30, now: () => T0,
  });
});

const claims = (patch: Record<string, unknown> = {}) =>
  ({ iss: 'web-app', sub: 'web-app', aud: ENDPOINT, iat: now, exp: now + 60, jti: randomUUID(), ...patch });
const assertion = (patch: Record<string, unknown> = {}, header: Record<string, unknown> = {}) =>
  sign({ alg: 'ES256', kid: 'web-1', ...header }, claims(patch), kit.assertionKey);

describe('ClientAssertionVerifier', () => {
  it('accepts a fresh assertion once; the replay is refused', async () => {
    const a = await assertion();
    expect(await verifier.verify(a, 'web-app')).toMatchObject({ ok: true, client: { clientId: 'web-app' } });
    expect(await verifier.verify(a, 'web-app')).toEqual({ ok: false, reason: 'ASSERTION_REPLAYED' });
  });

  it('accepts the issuer identifier as audience, with or without a claimed client_id', async () => {
    expect((await verifier.verify(await assertion({ aud: ISSUER }))).ok).toBe(true);
    expect((await verifier.verify(await assertion({ aud: [ENDPOINT, 'x'] }), 'web-app')).ok).toBe(true);
  });

  const attacker = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  it.each([
    ['wrong audience', () => assertion({ aud: 'https://other.example/token' }), 'AUDIENCE_MISMATCH'],
    ['iss differs from sub', () => assertion({ sub: 'billing' }), 'ISSUER_MISMATCH'],
    ['claimed client differs from iss', async () => verifier.verify(await assertion(), 'billing'), 'CLIENT_UNKNOWN'],
    ['expired', () => assertion({ exp: now - 60, iat: now - 120 }), 'EXPIRED'],
    ['lives for a day', () => assertion({ exp: now + 86400 }), 'LIFETIME_EXCEEDED'],
    ['no jti', () => assertion({ jti: undefined }), 'CLAIM_MISSING'],
    ['no exp', () => assertion({ exp: undefined }), 'CLAIM_MISSING'],
    ['jti not a string', () => assertion({ jti: 7 }), 'CLAIM_TYPE'],
    ['alg none', async () => raw({ alg: 'none' }, claims(), ''), 'ALG_NONE'],
    ['embedded jwk', async () => sign({ alg: 'ES256', jwk: await exportJWK(attacker.publicKey) }, claims(), attacker.privateKey), 'EMBEDDED_KEY'],
    ['signed by another key', () => sign({ alg: 'ES256', kid: 'web-1' }, claims(), attacker.privateKey), 'SIGNATURE_INVALID'],
    ['unknown kid', () => sign({ alg: 'ES256', kid: 'web-2' }, claims(), kit.assertionKey), 'KEY_UNKNOWN'],
    ['typ at+jwt (an access token is not an assertion)', () => assertion({}, { typ: 'at+jwt' }), 'TYPE_MISMATCH'],
    ['crit', async () => raw({ alg: 'ES256', kid: 'web-1', crit: ['x'] }, claims()), 'CRIT_UNSUPPORTED'],
    ['unknown client', () => assertion({ iss: 'mallory', sub: 'mallory' }), 'CLIENT_UNKNOWN'],
    ['secret-based client', () => assertion({ iss: 'billing', sub: 'billing' }), 'CLIENT_UNKNOWN'],
    ['1 MB', async () => 'a'.repeat(1 << 20), 'TOO_LARGE'],
    ['garbage', async () => 'a.b', 'MALFORMED'],
  ])('%s → %s', async (_n, make, reason) => {
    const made = await make();
    const result = typeof made === 'string' ? await verifier.verify(made) : made;
    expect(result).toEqual({ ok: false, reason });
  });

  it('HS256 keyed with the client public key → ALG_NOT_ALLOWED', async () => {
    const pem = createPublicKey(kit.assertionKey).export({ type: 'spki', format: 'pem' });
    const input = `${Buffer.from(JSON.stringify({ alg: 'HS256', kid: 'web-1' })).toString('base64url')}.${Buffer.from(JSON.stringify(claims())).toString('base64url')}`;
    const token = `${input}.${createHmac('sha256', pem).update(input).digest('base64url')}`;
    expect(await verifier.verify(token, 'web-app')).toEqual({ ok: false, reason: 'ALG_NOT_ALLOWED' });
  });
});

describe('ReplayCache', () => {
  it('forgets expired entries and fails closed when full of live ones', () => {
    const clock = { ms: 0 };
    const cache = new ReplayCache(() => clock.ms, 2);
    expect([cache.consume('a', 10), cache.consume('a', 10), cache.consume('b', 20), cache.consume('c', 20)]).toEqual([true, false, true, false]);
    clock.ms = 15;
    // 'a' expired and made room for 'c'; 'b' and 'c' are live, so a new 'a' is refused.
    expect([cache.consume('c', 30), cache.consume('a', 30)]).toEqual([true, false]);
  });
});
