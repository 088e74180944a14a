import { createHash } from 'node:crypto';
import { decodeProtectedHeader } from 'jose';
import { ClientRegistry } from '../clients/client-registry';
import { KeyRotation } from '../keys/key-rotation';
import { KeyStore } from '../keys/key-store';
import { ReasonCode, TokenValidator } from '@tokenwarden/jwt';
import { clientsFile, ClientKit, ENC_AUDIENCE } from '../testing/client-kit';
import { AUDIENCE, ISSUER, KEK, Kit, setup, T0, testPolicy } from '../testing/token-kit';
import { AccessTokenIssuer, AccessTokenRequest } from './access-token-issuer';

let kit: Kit;
let clients: ClientKit;
let registry: ClientRegistry;
let issuer: AccessTokenIssuer;
beforeAll(async () => {
  kit = await setup(testPolicy({ algorithms: { allowed: ['ES256'] }, consent: { requiredForScopes: ['health:read', 'profile:read'] } }));
  clients = await clientsFile();
  registry = ClientRegistry.fromJson(clients.json, kit.policy);
  issuer = new AccessTokenIssuer({ policy: kit.policy, issuer: ISSUER, keys: kit.store, audiences: registry, now: () => T0 });
});

const request = (patch: Partial<AccessTokenRequest> = {}): AccessTokenRequest => ({
  client: registry.get('billing')!, grantType: 'client_credentials', subject: 'billing', audience: AUDIENCE, scopes: ['read'], ...patch,
});

describe('AccessTokenIssuer', () => {
  it('mints an RFC 9068 token the validator accepts', async () => {
    const r = await issuer.issue(request({ scopes: ['payments:write', 'read'] }));
    if (!r.ok) throw new Error(r.reason);
    expect(decodeProtectedHeader(r.token)).toEqual({ alg: 'ES256', kid: kit.activeKid(), typ: 'at+jwt' });
    expect(r).toMatchObject({ iat: T0 / 1000, exp: T0 / 1000 + 900, scope: 'payments:write read', nested: false, alg: 'ES256' });
    expect(r.fingerprint).toBe(createHash('sha256').update(r.token).digest('hex'));
    const v = await kit.validator.validate(r.token);
    expect(v).toMatchObject({ valid: true, jti: r.jti, clientId: 'billing', sub: 'billing', scope: 'payments:write read' });
  });

  it('encrypts tokens with sensitive claims to the audience key (sign, then encrypt)', async () => {
    const r = await issuer.issue(request({
      client: registry.get('web-app')!, grantType: 'urn:ietf:params:oauth:grant-type:token-exchange', subject: 'user-42',
      audience: ENC_AUDIENCE, scopes: ['health:read'], consentedScopes: ['health:read'], extraClaims: { email: 'a@example.com' },
    }));
    if (!r.ok) throw new Error(r.reason);
    expect(r.nested).toBe(true);
    expect(decodeProtectedHeader(r.token)).toMatchObject({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', cty: 'JWT', kid: 'health-enc-1' });
    const audienceValidator = new TokenValidator({
      ...kit.deps, audience: ENC_AUDIENCE, decryptionKeys: [{ kid: 'health-enc-1', alg: 'ECDH-ES+A256KW', key: clients.audiencePrivateKey }],
    });
    expect(await audienceValidator.validate(r.token)).toMatchObject({ valid: true, nested: true, sub: 'user-42' });
    expect((await kit.validator.validate(r.token)).reason).toBe(ReasonCode.JWE_REFUSED);
  });

  it.each([
    ['GRANT_NOT_ALLOWED', 'unauthorized_client', { grantType: 'refresh_token' }],
    ['SCOPE_NOT_ALLOWED', 'invalid_scope', { scopes: ['read', 'admin'] }],
    ['AUDIENCE_NOT_ALLOWED', 'invalid_target', { audience: 'https://elsewhere.example' }],
    ['LIFETIME_EXCEEDED', 'invalid_request', { lifetimeSeconds: 1800 }],
    ['LIFETIME_INVALID', 'invalid_request', { lifetimeSeconds: -5 }],
    ['FORBIDDEN_CLAIM', 'invalid_request', { extraClaims: { password: 'hunter2' } }],
    ['RESERVED_CLAIM', 'invalid_request', { extraClaims: { exp: 4102444800 } }],
    ['CLAIM_INVALID', 'invalid_request', { extraClaims: JSON.parse('{"__proto__":{"admin":true}}') }],
    ['ENCRYPTION_KEY_MISSING', 'invalid_target', { extraClaims: { email: 'a@example.com' } }],
    ['TOKEN_TOO_LARGE', 'invalid_request', { extraClaims: { blob: 'x'.repeat(9000) } }],
  ] as const)('%s → %s', async (reason, oauthError, patch) => {
    expect(await issuer.issue(request(patch as Partial<AccessTokenRequest>))).toEqual({ ok: false, reason, oauthError, description: expect.any(String) });
  });

  it('CONSENT_MISSING → access_denied when no consent is recorded', async () => {
    const r = await issuer.issue(request({
      client: registry.get('web-app')!, grantType: 'urn:ietf:params:oauth:grant-type:token-exchange', subject: 'user-42',
      scopes: ['profile:read'],
    }));
    expect(r).toMatchObject({ ok: false, reason: 'CONSENT_MISSING', oauthError: 'access_denied' });
  });

  it('KEY_UNAVAILABLE and ALG_NOT_ALLOWED are server errors', async () => {
    const empty = new AccessTokenIssuer({ policy: kit.policy, issuer: ISSUER, keys: new KeyStore(KEK), audiences: registry, now: () => T0 });
    expect(await empty.issue(request())).toMatchObject({ ok: false, reason: 'KEY_UNAVAILABLE', oauthError: 'server_error' });
    // A key left over from a policy that allowed RS256, under a policy that no longer does.
    const store = new KeyStore(KEK);
    await new KeyRotation({ store, kek: KEK, now: () => T0, policy: testPolicy({ algorithms: { allowed: ['RS256'] } }) }).tick();
    const strict = new AccessTokenIssuer({ policy: testPolicy({ algorithms: { allowed: ['ES256'] } }), issuer: ISSUER, keys: store, audiences: registry, now: () => T0 });
    expect(await strict.issue(request())).toMatchObject({ ok: false, reason: 'ALG_NOT_ALLOWED', oauthError: 'server_error' });
  });
});
