import { ConfigError } from '@tokenwarden/config';
import { testProducersJson } from '../../fixtures/golden';
import { join } from 'node:path';
import { loadProducers, parseProducers } from './producer-config';

const LIMITS = { maxEventsPerRequest: 500 };

function problemsOf(raw: unknown): string[] {
  try {
    parseProducers(raw, LIMITS);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  return [];
}

describe('parseProducers', () => {
  it('reads the test producers into frozen config, with adapter defaults', () => {
    const producers = parseProducers(testProducersJson(), LIMITS);
    expect(producers.map((p) => [p.id, p.endpoint])).toEqual([['partner-idp', 'events'], ['other-idp', 'events'], ['keycloak-main', 'keycloak'], ['auth0-main', 'auth0']]);
    expect(Object.isFrozen(producers) && Object.isFrozen(producers[0])).toBe(true);
    expect(producers[2].keycloak).toMatchObject({ alg: 'RS256', accessTokenLifetimeSeconds: 300, refreshTokenLifetimeSeconds: 1800, realms: { acme: { tenant: 'acme' } } });
    expect(producers[3].auth0).toMatchObject({ tenant: 'acme', issuer: null, accessTokenLifetimeSeconds: 86400 });
    expect(producers[0].keySha256).toHaveLength(32);
  });

  it('names every problem with its path in one error', () => {
    const problems = problemsOf({
      producers: [
        { id: 'Bad Id', keySha256: 'abc', endpoint: 'soap', service: '', tenants: [], rateLimit: { eventsPerSecond: 0, burst: 10 }, colour: 1 },
        { id: 'kc', keySha256: 'a'.repeat(64), endpoint: 'keycloak', service: 'keycloak', tenants: ['acme'], rateLimit: { eventsPerSecond: 1, burst: 500 } },
        {
          id: 'a0', keySha256: 'a'.repeat(64), endpoint: 'auth0', service: 'auth0', tenants: ['acme'], rateLimit: { eventsPerSecond: 1, burst: 500 },
          auth0: { tenant: 'globex', issuer: 'not a url' },
        },
      ],
    });
    expect(problems).toEqual([
      'producers: producers[0].colour is not a known setting',
      expect.stringMatching(/^producers: producers\[0\]\.id must be a string matching/),
      'producers: producers[0].keySha256 must be 64 lowercase hex digits (SHA-256 of the API key)',
      'producers: producers[0].endpoint must be one of events, keycloak, auth0',
      expect.stringMatching(/^producers: producers\[0\]\.service must be/),
      'producers: producers[0].tenants must list at least one tenant',
      'producers: producers[0].rateLimit.eventsPerSecond must be a number in 0.001..1000000',
      'producers: producers[0].rateLimit.burst must be >= TW_INGEST_MAX_EVENTS_PER_REQUEST (500), or a full request could never pass',
      'producers: producers[1].keycloak is required when endpoint is keycloak',
      "producers: producers[2].auth0.tenant must be one of the producer's tenants",
      'producers: producers[2].auth0.issuer must be an http(s) URL',
      'producers: producers[2].keySha256 same as producers[1].keySha256; each producer needs its own',
    ]);
  });

  it('reads the example file config/ingest-producers.json', () => {
    const producers = loadProducers(join(__dirname, '..', '..', '..', '..', 'config', 'ingest-producers.json'), LIMITS);
    expect(producers.map((p) => p.endpoint)).toEqual(['events', 'keycloak', 'auth0']);
  });

  it('refuses an empty list and a missing file shape', () => {
    expect(problemsOf({ producers: [] })).toEqual(['producers: producers must list at least one producer']);
    expect(problemsOf([])).toEqual(['producers: (root) must be an object', 'producers: producers is required']);
  });
});
