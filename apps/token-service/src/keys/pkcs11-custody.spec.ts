// HSM custody against a real SoftHSM token (one fresh token per test; no mocks).
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { ReasonCode, TokenValidator } from '@tokenwarden/jwt';
import { ClientRegistry } from '../clients/client-registry';
import { clientsFile, ENC_AUDIENCE } from '../testing/client-kit';
import { inspectPrivateKey, plantExtractableKey, SOFTHSM_MODULE, SoftHsm, softHsm } from '../testing/soft-hsm';
import { AUDIENCE, ISSUER, KEK, setup, T0, testPolicy } from '../testing/token-kit';
import { AccessTokenIssuer } from '../tokens/access-token-issuer';
import { KeyError } from './key-error';
import { importPublicKey } from './key-material';
import { KeyRotation } from './key-rotation';
import { KeyStore } from './key-store';
import { Pkcs11Custody } from './pkcs11-custody';
import { Pkcs11SigningKey } from './signing-key';

const POLICY = testPolicy({
  algorithms: { allowed: ['ES256'], signing: 'ES256' }, keys: { rotationPeriodDays: 30, jwksCacheSeconds: 300 }, consent: { requiredForScopes: ['health:read'] },
});

let hsm: SoftHsm;
let custody: Pkcs11Custody | undefined;
beforeEach(() => {
  hsm = softHsm();
});
afterEach(() => {
  custody?.close();
  custody = undefined;
  hsm.remove();
});

const open = (patch: Partial<{ modulePath: string; tokenLabel: string; pin: string }> = {}) =>
  Pkcs11Custody.open({ modulePath: SOFTHSM_MODULE, tokenLabel: hsm.tokenLabel, pin: hsm.pin, ...patch }, 'ES256');
const codeOf = async (fn: () => unknown): Promise<{ code?: string; message: string }> => {
  try {
    await fn();
  } catch (e) {
    return { code: (e as KeyError).code, message: String((e as Error).message) };
  }
  return { message: 'no error' };
};

async function hsmService() {
  custody = open();
  const hsmCustody = custody;
  const clock = { ms: T0 };
  const store = new KeyStore(KEK, hsmCustody);
  const rotation = new KeyRotation({ store, policy: POLICY, kek: KEK, now: () => clock.ms, generate: () => hsmCustody.generate() });
  await rotation.tick();
  const clients = await clientsFile();
  const registry = ClientRegistry.fromJson(clients.json, POLICY);
  const issuer = new AccessTokenIssuer({ policy: POLICY, issuer: ISSUER, keys: store, audiences: registry, now: () => clock.ms });
  const issue = async () => {
    const r = await issuer.issue({ client: registry.get('billing')!, grantType: 'client_credentials', subject: 'billing', audience: AUDIENCE, scopes: ['read'] });
    if (!r.ok) throw new Error(r.reason);
    return r.token;
  };
  const verifyWithJwks = (token: string) =>
    jwtVerify(token, createLocalJWKSet(store.jwks()), { algorithms: ['ES256'], issuer: ISSUER, audience: AUDIENCE, typ: 'at+jwt', currentDate: new Date(clock.ms) });
  return { custody: hsmCustody, clock, store, rotation, clients, registry, issuer, issue, verifyWithJwks };
}

describe('PKCS#11 custody (SoftHSM)', () => {
  it('generates the key inside the token: a sensitive, never-extractable token object; only public facts leave it', async () => {
    const { store } = await hsmService();
    const [k] = store.export();
    expect(k).toMatchObject({ alg: 'ES256', phase: 'active', pkcs11: { tokenLabel: hsm.tokenLabel, label: `tokenwarden-signing-${k.pkcs11?.id}` } });
    expect(k.encryptedPrivateKey).toBeUndefined();
    expect(Object.keys(k.publicJwk).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    custody?.close();
    expect(inspectPrivateKey(hsm, k.pkcs11!.id)).toEqual({
      count: 1, token: true, sensitive: true, extractable: false, neverExtractable: true, readValue: 'CKR_ATTRIBUTE_SENSITIVE',
    });
  });

  it('signs access tokens through the token; they verify against the JWKS with jose and pass the validator', async () => {
    const svc = await hsmService();
    const token = await svc.issue();
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'ES256', kid: svc.store.signingKey()?.kid, typ: 'at+jwt' });
    expect(svc.store.signingKey()?.storage).toBe('HSM');
    const { payload } = await svc.verifyWithJwks(token);
    expect(payload).toMatchObject({ iss: ISSUER, aud: AUDIENCE, client_id: 'billing', scope: 'read' });
    const kit = await setup(POLICY);
    const validator = new TokenValidator({ ...kit.deps, keys: svc.store });
    expect(await validator.validate(token)).toMatchObject({ valid: true, reason: ReasonCode.OK });
  });

  it('nested tokens: signed in the HSM, then encrypted to the audience; the audience validator accepts them', async () => {
    const svc = await hsmService();
    const r = await svc.issuer.issue({
      client: svc.registry.get('web-app')!, grantType: 'urn:ietf:params:oauth:grant-type:token-exchange', subject: 'user-42',
      audience: ENC_AUDIENCE, scopes: ['health:read'], consentedScopes: ['health:read'], extraClaims: { email: 'a@example.com' },
    });
    if (!r.ok) throw new Error(r.reason);
    expect(r).toMatchObject({ nested: true, kid: svc.store.signingKey()?.kid });
    const kit = await setup(POLICY);
    const audienceValidator = new TokenValidator({
      ...kit.deps, keys: svc.store, audience: ENC_AUDIENCE, decryptionKeys: [{ kid: 'health-enc-1', alg: 'ECDH-ES+A256KW', key: svc.clients.audiencePrivateKey }],
    });
    expect(await audienceValidator.validate(r.token)).toMatchObject({ valid: true, nested: true, sub: 'user-42' });
  });

  it('rotation makes a second HSM key; tokens of both verify during the overlap; the key file round-trips', async () => {
    const svc = await hsmService();
    const first = await svc.issue();
    const steps = await svc.rotation.rotateNow();
    expect(steps.map((s) => [s.phase, s.storage])).toEqual([['GENERATED', 'HSM'], ['PUBLISHED', 'HSM']]);
    svc.clock.ms += 301_000;
    await svc.rotation.tick();
    const second = await svc.issue();
    const kids = [first, second].map((t) => decodeProtectedHeader(t).kid);
    expect(kids[0]).not.toBe(kids[1]);
    expect(svc.store.jwks().keys.map((k) => k.kid)).toEqual([kids[1], kids[0]]);
    for (const t of [first, second]) await expect(svc.verifyWithJwks(t)).resolves.toBeDefined();
    const ids = svc.store.export().map((k) => k.pkcs11?.id);
    expect(new Set(ids).size).toBe(2);

    // A restarted instance restores from the key file (JSON) and signs with the same token object.
    const restored = KeyStore.restore(JSON.parse(JSON.stringify(svc.store.export())), KEK, svc.custody);
    const again = await restored.signingKey()!.sign({ typ: 'at+jwt' }, Buffer.from('{}'));
    expect(decodeProtectedHeader(again).kid).toBe(kids[1]);
  });

  it('a revoked HSM key stops verifying and the successor (also in the HSM) signs at once', async () => {
    const svc = await hsmService();
    const old = svc.store.signingKey()!.kid;
    const records = await svc.rotation.revoke(old);
    expect(records.map((r) => [r.phase, r.storage])).toEqual([['REVOKED', 'HSM'], ['GENERATED', 'HSM'], ['PUBLISHED', 'HSM'], ['ACTIVATED', 'HSM']]);
    expect(svc.store.verificationKey(old).status).toBe('revoked');
    expect(svc.store.signingKey()?.kid).not.toBe(old);
    await expect(svc.verifyWithJwks(await svc.issue())).resolves.toBeDefined();
  });

  it('negative control: a tampered HSM signature is refused by the self-check, and the issuer hands out nothing', async () => {
    const svc = await hsmService();
    const active = svc.store.export()[0];
    const handle = svc.custody.session.privateKey(Buffer.from(active.pkcs11!.id, 'hex'));
    const tampered = new Pkcs11SigningKey(active.kid, 'ES256', importPublicKey(active.publicJwk), async (digest) => {
      const sig = Buffer.from(svc.custody.session.signDigest(handle, digest));
      sig[10] ^= 0x01;
      return sig;
    });
    expect(await codeOf(() => tampered.sign({ typ: 'at+jwt' }, Buffer.from('{}')))).toMatchObject({ code: 'ERR_KEY_SELF_CHECK' });
    const logs: unknown[] = [];
    const issuer = new AccessTokenIssuer({
      policy: POLICY, issuer: ISSUER, keys: { signingKey: () => tampered }, audiences: svc.registry, now: () => svc.clock.ms, log: (...l) => logs.push(l),
    });
    const r = await issuer.issue({ client: svc.registry.get('billing')!, grantType: 'client_credentials', subject: 'billing', audience: AUDIENCE, scopes: ['read'] });
    expect(r).toEqual({ ok: false, reason: 'SIGNING_FAILED', oauthError: 'server_error', description: 'the signing key could not sign' });
    expect(logs).toEqual([['error', 'access token not signed', expect.objectContaining({ kid: active.kid, storage: 'HSM', code: 'ERR_KEY_SELF_CHECK' })]]);
    // The untampered path with the same handle passes the same check.
    await expect(svc.store.signingKey()!.sign({ typ: 'at+jwt' }, Buffer.from('{}'))).resolves.toMatch(/^[\w-]+\.e30\.[\w-]{86}$/);
  });

  it('negative control: a key file entry pointing at another token object fails the self-check', async () => {
    const svc = await hsmService();
    const a = await svc.custody.generate();
    const b = await svc.custody.generate();
    const swapped = svc.custody.signingKey({ ...a, pkcs11: b.pkcs11 });
    expect(await codeOf(() => swapped.sign({ typ: 'at+jwt' }, Buffer.from('{}')))).toMatchObject({ code: 'ERR_KEY_SELF_CHECK' });
    expect(await codeOf(() => svc.custody.signingKey({ ...a, pkcs11: { ...a.pkcs11, id: '00'.repeat(16) } }))).toMatchObject({ code: 'ERR_KEY_HSM_OBJECT' });
  });

  it('a private key under our id that is extractable (imported in clear) is refused', async () => {
    custody = open();
    const ours = await custody.generate();
    custody.close();
    plantExtractableKey(hsm, 'ab'.repeat(16));
    custody = open();
    expect(await codeOf(() => custody!.signingKey({ ...ours, pkcs11: { ...ours.pkcs11, id: 'ab'.repeat(16) } }))).toEqual({
      code: 'ERR_KEY_HSM_OBJECT', message: `private key ${'ab'.repeat(16)} in token "tw-test" is extractable or not sensitive`,
    });
    await expect(custody.signingKey(ours).sign({ typ: 'at+jwt' }, Buffer.from('{}'))).resolves.toContain('.e30.');
  });

  it('boot errors name the variable to fix and never the PIN', async () => {
    const wrongPin = await codeOf(() => open({ pin: `${hsm.pin}x` }));
    expect(wrongPin).toMatchObject({ code: 'ERR_KEY_HSM_UNAVAILABLE', message: expect.stringContaining('TW_KEY_PKCS11_PIN') });
    expect(wrongPin.message).toContain('CKR_PIN_INCORRECT');
    expect(wrongPin.message).not.toContain(hsm.pin);
    expect(await codeOf(() => open({ tokenLabel: 'no-such-token' }))).toMatchObject({
      code: 'ERR_KEY_HSM_UNAVAILABLE', message: expect.stringMatching(/^TW_KEY_PKCS11_TOKEN_LABEL: no token labelled "no-such-token" \(present: "tw-test"/),
    });
    expect(await codeOf(() => open({ modulePath: '/usr/lib/no-such-pkcs11.so' }))).toMatchObject({
      code: 'ERR_KEY_HSM_UNAVAILABLE', message: expect.stringContaining('TW_KEY_PKCS11_MODULE: cannot load /usr/lib/no-such-pkcs11.so'),
    });
    expect(await codeOf(() => Pkcs11Custody.open({ modulePath: SOFTHSM_MODULE, tokenLabel: hsm.tokenLabel, pin: hsm.pin }, 'RS256'))).toEqual({
      code: 'ERR_KEY_HSM_ALG', message: 'the policy signs with RS256; PKCS#11 custody (TW_KEY_PKCS11_MODULE) supports ES256 only',
    });
    // After all of these the module is usable again (every failed open released it).
    custody = open();
    await expect(custody.generate()).resolves.toMatchObject({ alg: 'ES256' });
  });

  it('an HSM key in the key file cannot become the signing key without HSM custody', async () => {
    const svc = await hsmService();
    expect(await codeOf(() => KeyStore.restore(svc.store.export(), KEK))).toMatchObject({
      code: 'ERR_KEY_HSM_UNAVAILABLE', message: expect.stringContaining('TW_KEY_PKCS11_MODULE is not set'),
    });
  });
});
