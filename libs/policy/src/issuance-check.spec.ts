import { checkIssuance, IssuanceFacts } from './issuance-check';
import { parsePolicy } from './parse-policy';

const policy = parsePolicy({ policyVersion: 't', consent: { requiredForScopes: ['health:read'] } });
const base: IssuanceFacts = { alg: 'ES256', lifetimeSeconds: 900, scopes: ['read'], consentedScopes: [], extraClaims: {} };

describe('checkIssuance', () => {
  it('allows a plain issuance within policy', () => {
    expect(checkIssuance(policy, base)).toEqual({ ok: true, nested: false });
  });

  it('asks for a nested JWT when a sensitive claim is present', () => {
    expect(checkIssuance(policy, { ...base, extraClaims: { email: 'a@example.com', tenant: 't1' } })).toEqual({ ok: true, nested: true });
  });

  it.each([
    [{ alg: 'HS256' }, 'ALG_NOT_ALLOWED'],
    [{ alg: 'RS256' }, 'ALG_NOT_ALLOWED'],
    [{ lifetimeSeconds: 901 }, 'LIFETIME_EXCEEDED'],
    [{ lifetimeSeconds: 86400 * 365 }, 'LIFETIME_EXCEEDED'],
    [{ lifetimeSeconds: 0 }, 'LIFETIME_INVALID'],
    [{ lifetimeSeconds: 1.5 }, 'LIFETIME_INVALID'],
    [{ extraClaims: { password: 'x' } }, 'FORBIDDEN_CLAIM'],
    [{ extraClaims: { Client_Secret: 'x' } }, 'FORBIDDEN_CLAIM'],
    [{ extraClaims: { exp: 99999999999 } }, 'RESERVED_CLAIM'],
    [{ extraClaims: { ISS: 'https://evil' } }, 'RESERVED_CLAIM'],
    [{ extraClaims: JSON.parse('{"__proto__": {"admin": true}}') as Record<string, unknown> }, 'CLAIM_INVALID'],
    [{ extraClaims: { roles: JSON.parse('{"constructor": 1}') as unknown } }, 'CLAIM_INVALID'],
    [{ extraClaims: { deep: { a: { b: { c: { d: { e: 1 } } } } } } }, 'CLAIM_INVALID'],
    [{ extraClaims: { n: Number.NaN } }, 'CLAIM_INVALID'],
    [{ extraClaims: { when: new Date(0) } }, 'CLAIM_INVALID'],
    [{ scopes: ['read', 'health:read'] }, 'CONSENT_MISSING'],
  ])('denies %j with %s', (patch, reason) => {
    expect(checkIssuance(policy, { ...base, ...patch })).toEqual({ ok: false, reason, detail: expect.any(String) });
  });

  it('allows a consent-required scope once consent is recorded', () => {
    expect(checkIssuance(policy, { ...base, scopes: ['health:read'], consentedScopes: ['health:read'] }).ok).toBe(true);
  });
});
