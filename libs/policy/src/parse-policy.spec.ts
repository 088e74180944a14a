import { parsePolicy } from './parse-policy';
import { PolicyError } from './policy-error';
import { rotationTimings } from './policy';

const minimal = { policyVersion: 'test-1' };

function problemsOf(raw: unknown): readonly string[] {
  try {
    parsePolicy(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(PolicyError);
    expect((e as PolicyError).code).toBe('ERR_POLICY_INVALID');
    return (e as PolicyError).problems;
  }
  throw new Error('expected a PolicyError');
}

describe('parsePolicy', () => {
  it('fills documented defaults from a minimal file', () => {
    const p = parsePolicy(minimal);
    expect(p.accessToken.lifetimeSeconds).toBe(900);
    expect(p.algorithms).toEqual({ allowed: ['ES256'], signing: 'ES256' });
    expect(p.encryption.keyManagement).toEqual(['ECDH-ES+A256KW']);
    expect(p.claims.forbidden).toEqual(expect.arrayContaining(['password', 'secret', 'client_secret']));
    expect(p.claims.sensitive).toEqual(expect.arrayContaining(['email', 'phone_number']));
    expect(p.clockToleranceSeconds).toBe(30);
    expect(p.maxTokenSizeBytes).toBe(8192);
    expect(Object.isFrozen(p.algorithms.allowed)).toBe(true);
  });

  it('derives rotation timings from lifetime, tolerance and cache lifetime', () => {
    const p = parsePolicy({ ...minimal, keys: { rotationPeriodDays: 30, jwksCacheSeconds: 600 } });
    expect(rotationTimings(p)).toEqual({ rotationPeriodSeconds: 30 * 86400, publishLeadSeconds: 600, retireAfterSeconds: 900 + 30 + 600 });
  });

  it.each([
    [{ accessToken: { lifetimeSeconds: 1801 } }, 'accessToken.lifetimeSeconds must be an integer from 60 to 1800 (hard maximum 30 min), got 1801'],
    [{ accessToken: { lifetimeSeconds: '900' } }, 'accessToken.lifetimeSeconds must be an integer'],
    [{ accessToken: { lifetimeSecs: 900 } }, 'accessToken.lifetimeSecs is not a known field'],
    [{ refreshToken: { lifetimeSeconds: 3600, idleTimeoutSeconds: 7200 } }, 'refreshToken.idleTimeoutSeconds must be an integer from 300 to 3600'],
    [{ algorithms: { allowed: ['HS256'] } }, 'algorithms.allowed[0] is forbidden for access tokens'],
    [{ algorithms: { allowed: ['none'] } }, 'algorithms.allowed[0] is forbidden (unsigned tokens)'],
    [{ algorithms: { allowed: ['es256'] } }, 'algorithms.allowed[0] must be one of ES256, RS256, PS256, EdDSA'],
    [{ algorithms: { allowed: ['ES256', 'ES256'] } }, 'algorithms.allowed[1] duplicates "ES256"'],
    [{ algorithms: { allowed: ['ES256'], signing: 'RS256' } }, 'algorithms.signing must be one of algorithms.allowed'],
    [{ encryption: { keyManagement: ['PBES2-HS256+A128KW'] } }, 'encryption.keyManagement[0] is forbidden (password-based'],
    [{ encryption: { keyManagement: ['RSA1_5'] } }, 'encryption.keyManagement[0] is forbidden (padding-oracle prone)'],
    [{ encryption: { contentEncryption: [] } }, 'encryption.contentEncryption must be a non-empty list of strings, got []'],
    [{ keys: { rotationPeriodDays: 0 } }, 'keys.rotationPeriodDays must be an integer from 1 to 365'],
    [{ keys: { rotationPeriodDays: 1, jwksCacheSeconds: 86400 } }, 'keys.jwksCacheSeconds must be an integer from 0 to 43200'],
    [{ claims: { forbidden: ['sub'] } }, 'claims.forbidden[0] is a registered claim the service sets itself'],
    [{ claims: { forbidden: ['email'], sensitive: ['email', 'phone_number', 'address', 'birthdate', 'name', 'given_name', 'family_name'] } },
      'claims.sensitive lists "email", which is forbidden'],
    [{ claims: { sensitive: ['email'] } }, 'claims: personal-data claim "phone_number" must be listed'],
    [{ consent: { requiredForScopes: ['a b'] } }, 'consent.requiredForScopes[0] must be an RFC 6749 scope token'],
    [{ clockToleranceSeconds: -1 }, 'clockToleranceSeconds must be an integer from 0 to 120'],
    [{ maxTokenSizeBytes: 10_000_000 }, 'maxTokenSizeBytes must be an integer from 1024 to 65536'],
    [{ retentionDays: 1.5 }, 'retentionDays must be an integer from 30 to 3650'],
    [{ keys: [] }, 'keys must be an object'],
    [{ extra: 1 }, 'extra is not a known field'],
  ])('names the bad field: %j', (patch, message) => {
    const problems = problemsOf({ ...minimal, ...patch });
    expect(problems[0]).toContain(message);
  });

  it('reports nothing but the root cause of a bad algorithm list', () => {
    expect(problemsOf({ ...minimal, algorithms: { allowed: ['HS256'] } })).toHaveLength(1);
    expect(problemsOf({ ...minimal, encryption: { keyManagement: ['PBES2-HS512+A256KW'] } })).toHaveLength(1);
  });

  it('reports every problem of a file at once', () => {
    const problems = problemsOf({ accessToken: { lifetimeSeconds: 7200 }, algorithms: { allowed: ['HS512', 'RS256'] }, retentionDays: 0 });
    expect(problems.map((p) => p.split(' ')[0])).toEqual([
      'accessToken.lifetimeSeconds', 'algorithms.allowed[0]', 'policyVersion', 'retentionDays',
    ]);
  });

  it('refuses documents that are not objects', () => {
    expect(problemsOf([])).toEqual(['the policy must be a JSON object']);
    expect(problemsOf(null)).toEqual(['the policy must be a JSON object']);
  });
});
