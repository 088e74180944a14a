import { randomBytes } from 'node:crypto';
import { SIGNING_ALGORITHMS } from '@tokenwarden/policy';
import { KEK, T0, testPolicy } from '../testing/token-kit';
import { KeyError } from './key-error';
import { generateSigningKey, openPrivateKey } from './key-material';
import { KeyRotation } from './key-rotation';
import { KeyStore } from './key-store';

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (e) {
    return (e as KeyError).code;
  }
  return undefined;
};

describe('key material', () => {
  it.each(SIGNING_ALGORITHMS)('generates %s keys with a thumbprint kid; the private key exists only sealed', async (alg) => {
    const m = await generateSigningKey(alg, KEK);
    expect(m.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(m.publicJwk).toMatchObject({ kid: m.kid, alg, use: 'sig' });
    expect(m.publicJwk).not.toHaveProperty('d');
    expect(m.encryptedPrivateKey).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(openPrivateKey(m.encryptedPrivateKey, m.kid, alg, KEK).type).toBe('private');
  }, 20_000);

  it('a sealed key opens only with its KEK, kid and alg (GCM tag and AAD)', async () => {
    const m = await generateSigningKey('ES256', KEK);
    expect(codeOf(() => openPrivateKey(m.encryptedPrivateKey, m.kid, 'ES256', randomBytes(32)))).toBe('ERR_KEY_SEALED_INVALID');
    expect(codeOf(() => openPrivateKey(m.encryptedPrivateKey, 'other-kid', 'ES256', KEK))).toBe('ERR_KEY_SEALED_INVALID');
    expect(codeOf(() => openPrivateKey(m.encryptedPrivateKey, m.kid, 'RS256', KEK))).toBe('ERR_KEY_SEALED_INVALID');
    expect(codeOf(() => openPrivateKey('v2.a.b.c', m.kid, 'ES256', KEK))).toBe('ERR_KEY_SEALED_INVALID');
  });

  it('error messages never carry key material', async () => {
    expect.assertions(2);
    const m = await generateSigningKey('ES256', KEK);
    try {
      openPrivateKey(m.encryptedPrivateKey, m.kid, 'ES256', randomBytes(32));
    } catch (e) {
      expect(String((e as Error).message)).not.toContain(KEK.toString('hex'));
      expect(String((e as Error).message)).not.toContain(m.encryptedPrivateKey);
    }
  });
});

describe('KeyStore', () => {
  async function rotated() {
    const clock = { ms: T0 };
    const store = new KeyStore(KEK);
    const rotation = new KeyRotation({ store, policy: testPolicy(), kek: KEK, now: () => clock.ms });
    await rotation.tick();
    await rotation.rotateNow();
    return { store, rotation, clock };
  }

  it('JWKS lists public parts of the signing and published keys, signing key first', async () => {
    const { store } = await rotated();
    const jwks = store.jwks();
    expect(jwks.keys).toHaveLength(2);
    expect(jwks.keys[0].kid).toBe(store.signingKey()?.kid);
    for (const k of jwks.keys) expect(Object.keys(k).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
  });

  it('export and restore keep phases and the signing key; restore with another KEK fails', async () => {
    const { store } = await rotated();
    const exported = JSON.parse(JSON.stringify(store.export()));
    expect(JSON.stringify(exported)).not.toMatch(/"d":/);
    const restored = KeyStore.restore(exported, KEK);
    expect(restored.jwks()).toEqual(store.jwks());
    expect(restored.signingKey()?.kid).toBe(store.signingKey()?.kid);
    expect(codeOf(() => KeyStore.restore(exported, randomBytes(32)))).toBe('ERR_KEY_SEALED_INVALID');
  });

  it('refuses illegal transitions and unknown kids', async () => {
    const { store, rotation } = await rotated();
    const kid = store.signingKey()!.kid;
    await rotation.revoke(kid);
    expect(store.verificationKey(kid)).toEqual({ status: 'revoked' });
    expect(codeOf(() => store.advance(kid, T0, 'manual'))).toBe('ERR_KEY_TRANSITION');
    expect(codeOf(() => store.revoke(kid, T0))).toBe('ERR_KEY_TRANSITION');
    expect(codeOf(() => store.advance('nope', T0, 'manual'))).toBe('ERR_KEY_UNKNOWN');
    expect(store.verificationKey('nope')).toEqual({ status: 'unknown' });
  });

  it('overlapping ticks never publish two successors', async () => {
    const { rotation, clock } = await rotated();
    clock.ms += 300_000;
    const [a, b] = await Promise.all([rotation.tick(), rotation.tick()]);
    expect([...a, ...b].map((r) => r.phase)).toEqual(['ACTIVATED', 'DEACTIVATED']);
  });

  it('a KEK of the wrong length is refused (ATTACKS.md 26)', async () => {
    await expect(generateSigningKey('ES256', randomBytes(16))).rejects.toMatchObject({ code: 'ERR_KEY_KEK_INVALID' });
  });
});
