import { generateKeyPairSync } from 'node:crypto';
import { JwksCache, parseJwks } from './jwks-cache';

const jwkOf = (kid: string) => ({ ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' }), kid, alg: 'ES256', use: 'sig' });

function setup(o: { cooldownMs?: number; maxAgeMs?: number; refreshIntervalMs?: number } = {}) {
  const clock = { ms: 1_000_000 };
  const endpoint = { keys: [jwkOf('k1')] as Record<string, unknown>[], down: false, calls: 0 };
  const errors: unknown[] = [];
  const cache = new JwksCache({
    fetchJwks: async () => {
      endpoint.calls += 1;
      if (endpoint.down) throw new Error('ECONNREFUSED');
      return { keys: endpoint.keys };
    },
    allowedAlgs: ['ES256'], now: () => clock.ms, onFetchError: (e) => errors.push(e),
    refreshIntervalMs: o.refreshIntervalMs ?? 300_000, cooldownMs: o.cooldownMs ?? 30_000, maxAgeMs: o.maxAgeMs ?? 3_600_000,
  });
  return { clock, endpoint, cache, errors };
}

describe('JwksCache', () => {
  it('fetches once, then serves known kids from memory', async () => {
    const { cache, endpoint } = setup();
    expect((await cache.verificationKey('k1')).status).toBe('ok');
    expect((await cache.verificationKey('k1')).status).toBe('ok');
    expect(endpoint.calls).toBe(1);
  });

  it('an unknown kid refetches at most once per cooldown; a rotated-in key is found on the next allowed fetch', async () => {
    const { cache, endpoint, clock } = setup({ cooldownMs: 30_000 });
    await cache.verificationKey('k1');
    expect((await cache.verificationKey('nope')).status).toBe('unknown');
    expect(endpoint.calls).toBe(1); // the first fetch was just now: inside the cooldown
    clock.ms += 30_000;
    expect((await cache.verificationKey('nope')).status).toBe('unknown');
    expect(endpoint.calls).toBe(2);
    for (let i = 0; i < 50; i++) await cache.verificationKey(`random-${i}`);
    expect(endpoint.calls).toBe(2); // a flood of random kids cannot hammer the issuer
    endpoint.keys = [...endpoint.keys, jwkOf('k2')];
    clock.ms += 29_999;
    expect((await cache.verificationKey('k2')).status).toBe('unknown');
    clock.ms += 1;
    expect((await cache.verificationKey('k2')).status).toBe('ok');
    expect(endpoint.calls).toBe(3);
  });

  it('a key removed from the set (rotated out) is unknown after the next refresh', async () => {
    const { cache, endpoint, clock } = setup({ refreshIntervalMs: 60_000 });
    await cache.verificationKey('k1');
    endpoint.keys = [jwkOf('k2')];
    clock.ms += 59_999;
    expect((await cache.verificationKey('k1')).status).toBe('ok');
    clock.ms += 1;
    expect((await cache.verificationKey('k1')).status).toBe('unknown');
  });

  it('serves cached keys while the endpoint is down until the maximum age, then fails closed; recovers when it is back', async () => {
    const { cache, endpoint, clock, errors } = setup({ refreshIntervalMs: 60_000, cooldownMs: 10_000, maxAgeMs: 600_000 });
    await cache.verificationKey('k1');
    endpoint.down = true;
    clock.ms += 600_000;
    expect((await cache.verificationKey('k1')).status).toBe('ok'); // exactly max age: still served
    expect(errors).toHaveLength(1);
    clock.ms += 1;
    expect(await cache.verificationKey('k1')).toEqual({ status: 'unavailable' }); // past max age: fail closed
    expect(endpoint.calls).toBe(2); // and within the cooldown: no fetch
    clock.ms += 10_000;
    expect(await cache.verificationKey('k1')).toEqual({ status: 'unavailable' });
    expect(await cache.verificationKey('nope')).toEqual({ status: 'unavailable' });
    expect(endpoint.calls).toBe(3);
    endpoint.down = false;
    clock.ms += 10_000;
    expect((await cache.verificationKey('k1')).status).toBe('ok');
    expect(cache.ageMs()).toBe(0);
  });

  it('never fetched: unavailable (fail closed), and retries only after the cooldown', async () => {
    const { cache, endpoint, clock } = setup({ cooldownMs: 5_000 });
    endpoint.down = true;
    expect(await cache.verificationKey('k1')).toEqual({ status: 'unavailable' });
    expect(await cache.verificationKey('k1')).toEqual({ status: 'unavailable' });
    expect(endpoint.calls).toBe(1);
    endpoint.down = false;
    clock.ms += 5_000;
    expect((await cache.verificationKey('k1')).status).toBe('ok');
  });

  it('concurrent lookups share one fetch', async () => {
    const { cache, endpoint } = setup();
    await Promise.all(Array.from({ length: 20 }, () => cache.verificationKey('k1')));
    expect(endpoint.calls).toBe(1);
  });

  it('parseJwks keeps only public signing keys with an allowed alg and a kid', () => {
    const good = jwkOf('ok');
    const priv = { ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }), kid: 'priv', alg: 'ES256' };
    const keys = parseJwks({ keys: [good, priv, { ...jwkOf('enc'), use: 'enc' }, { ...jwkOf('hs'), alg: 'HS256' }, { ...jwkOf('x'), kid: undefined }, { kty: 'EC', kid: 'bad', alg: 'ES256' }, null] }, ['ES256']);
    expect([...keys.keys()]).toEqual(['ok']);
    expect(() => parseJwks({ nokeys: [] }, ['ES256'])).toThrow(TypeError);
  });
});
