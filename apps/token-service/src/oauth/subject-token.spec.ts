import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { ClientRegistry } from '../clients/client-registry';
import { ReplayCache } from '../clients/replay-cache';
import { clientsFile, ClientKit } from '../testing/client-kit';
import { ISSUER, T0, testPolicy } from '../testing/token-kit';
import { SUBJECT_TOKEN_TYP, SubjectTokenVerifier } from './subject-token';

let kit: ClientKit;
let registry: ClientRegistry;
let verifier: SubjectTokenVerifier;
const now = T0 / 1000;
beforeAll(async () => {
  kit = await clientsFile();
  registry = ClientRegistry.fromJson(kit.json, testPolicy());
});
beforeEach(() => (verifier = new SubjectTokenVerifier({ issuer: ISSUER, replay: new ReplayCache(() => T0), clockToleranceSeconds: 30, now: () => T0 })));

const make = (o: { claims?: Record<string, unknown>; typ?: string; kid?: string; key?: import('node:crypto').KeyObject; iss?: string; aud?: string; exp?: number } = {}) =>
  new SignJWT({ sid: 's-1', consent_ref: 'c-1', consented_scope: 'profile:read', ...o.claims })
    .setProtectedHeader({ alg: 'ES256', kid: o.kid ?? 'web-1', typ: o.typ ?? SUBJECT_TOKEN_TYP })
    .setIssuer(o.iss ?? 'web-app').setSubject('user-42').setAudience(o.aud ?? ISSUER).setIssuedAt(now).setExpirationTime(o.exp ?? now + 60)
    .setJti(randomUUID()).sign(o.key ?? kit.assertionKey);
const client = (id = 'web-app') => registry.get(id)!;

describe('SubjectTokenVerifier (token exchange subject_token)', () => {
  it('a fresh token from the calling identity service → subject, session and consent; once', async () => {
    const t = await make();
    expect(await verifier.verify(t, client())).toEqual({ subject: 'user-42', sessionId: 's-1', consentRef: 'c-1', consentedScopes: ['profile:read'] });
    expect(await verifier.verify(t, client())).toBeUndefined();
  });

  const attacker = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  it.each([
    ['a client assertion (typ JWT)', () => make({ typ: 'JWT' })],
    ['no typ', () => make({ typ: '' })],
    ['signed by another key', () => make({ key: attacker })],
    ['unknown kid', () => make({ kid: 'web-2' })],
    ['issued by another client', () => make({ iss: 'billing' })],
    ['for another audience', () => make({ aud: 'https://other.example' })],
    ['living ten minutes', () => make({ exp: now + 600 })],
    ['expired', () => make({ exp: now - 100 })],
    ['a session id with spaces', () => make({ claims: { sid: 'a b' } })],
    ['consent_ref not a string', () => make({ claims: { consent_ref: 7 } })],
    ['garbage', async () => 'a.b.c'],
  ])('%s → refused', async (_name, build) => {
    expect(await verifier.verify(await build(), client())).toBeUndefined();
  });

  it('a client without registered keys (secret-based) cannot present subject tokens', async () => {
    expect(await verifier.verify(await make(), client('billing'))).toBeUndefined();
  });
});
