import { testProducers, TEST_KEYS } from '../../fixtures/golden';
import { newApiKey, presentedKey, ProducerAuthenticator, sha256Hex } from './producer-auth';

describe('presentedKey', () => {
  it.each([
    [{ authorization: 'Bearer k1' }, 'k1'],
    [{ authorization: 'bearer   k1 ' }, 'k1'],
    [{ 'x-api-key': 'k2' }, 'k2'],
    [{ authorization: 'Bearer k1', 'x-api-key': 'k1' }, 'k1'],
    [{ authorization: 'Bearer k1', 'x-api-key': 'k2' }, undefined],
    [{ authorization: 'Basic a2V5' }, undefined],
    [{ authorization: 'Bearer a b' }, undefined],
    [{ 'x-api-key': ['k1', 'k2'] }, undefined],
    [{}, undefined],
  ])('%j -> %j', (headers, key) => expect(presentedKey(headers)).toBe(key));
});

describe('ProducerAuthenticator', () => {
  const auth = new ProducerAuthenticator(testProducers());

  it('finds the producer of each key', () => {
    expect(auth.authenticate(TEST_KEYS.events)?.id).toBe('partner-idp');
    expect(auth.authenticate(TEST_KEYS.keycloak)?.id).toBe('keycloak-main');
  });

  it('refuses unknown, short, overlong and missing keys', () => {
    expect(auth.authenticate(`${TEST_KEYS.events}x`)).toBeUndefined();
    expect(auth.authenticate('short')).toBeUndefined();
    expect(auth.authenticate('k'.repeat(10_000))).toBeUndefined();
    expect(auth.authenticate(undefined)).toBeUndefined();
  });

  it('makes 256-bit keys whose stored form is their SHA-256', () => {
    const { key, keySha256 } = newApiKey();
    expect(key).toMatch(/^twk_[A-Za-z0-9_-]{43}$/);
    expect(keySha256).toBe(sha256Hex(key));
    expect(newApiKey().key).not.toBe(key);
  });
});
