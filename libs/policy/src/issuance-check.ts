import { Policy, REGISTERED_CLAIMS } from './policy';

/** Why the policy refuses an issuance; stable names shared with the IssuanceDenied event. */
export type PolicyDenialReason =
  | 'LIFETIME_EXCEEDED'
  | 'LIFETIME_INVALID'
  | 'FORBIDDEN_CLAIM'
  | 'RESERVED_CLAIM'
  | 'CLAIM_INVALID'
  | 'CONSENT_MISSING'
  | 'ALG_NOT_ALLOWED';

/** What the issuer is about to mint, reduced to the facts the policy rules on. */
export interface IssuanceFacts {
  readonly alg: string;
  readonly lifetimeSeconds: number;
  readonly scopes: readonly string[];
  /** Scopes the subject has a recorded consent for. */
  readonly consentedScopes: readonly string[];
  /** Claims beyond the RFC 9068 set, exactly as they would go into the token. */
  readonly extraClaims: Readonly<Record<string, unknown>>;
}

export type IssuanceCheck =
  | { readonly ok: true; readonly nested: boolean }
  | { readonly ok: false; readonly reason: PolicyDenialReason; readonly detail: string };

const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const MAX_CLAIM_DEPTH = 4;

const deny = (reason: PolicyDenialReason, detail: string): IssuanceCheck => ({ ok: false, reason, detail });

/** Rules one issuance against the policy. Pure: the caller turns a denial into an OAuth error and an event. */
export function checkIssuance(policy: Policy, f: IssuanceFacts): IssuanceCheck {
  if (!(policy.algorithms.allowed as readonly string[]).includes(f.alg)) {
    return deny('ALG_NOT_ALLOWED', `algorithm ${f.alg} is not allowed by the policy`);
  }
  if (!Number.isInteger(f.lifetimeSeconds) || f.lifetimeSeconds < 1) {
    return deny('LIFETIME_INVALID', 'lifetime must be a positive whole number of seconds');
  }
  if (f.lifetimeSeconds > policy.accessToken.lifetimeSeconds) {
    return deny('LIFETIME_EXCEEDED', `lifetime ${f.lifetimeSeconds}s exceeds the policy's ${policy.accessToken.lifetimeSeconds}s`);
  }
  const forbidden = new Set(policy.claims.forbidden.map((c) => c.toLowerCase()));
  const sensitive = new Set(policy.claims.sensitive.map((c) => c.toLowerCase()));
  let nested = false;
  for (const [name, value] of Object.entries(f.extraClaims)) {
    const lower = name.toLowerCase();
    if ((REGISTERED_CLAIMS as readonly string[]).includes(lower)) return deny('RESERVED_CLAIM', `claim ${name} is set by the service`);
    if (forbidden.has(lower)) return deny('FORBIDDEN_CLAIM', `claim ${name} is forbidden by the policy`);
    if (PROTOTYPE_KEYS.has(name) || !isPlainJson(value, 0)) return deny('CLAIM_INVALID', `claim ${name} is not plain JSON`);
    if (sensitive.has(lower)) nested = true;
  }
  const consentRequired = new Set(policy.consent.requiredForScopes);
  const consented = new Set(f.consentedScopes);
  const missing = f.scopes.filter((s) => consentRequired.has(s) && !consented.has(s));
  if (missing.length > 0) return deny('CONSENT_MISSING', `no recorded consent for scope ${missing.join(' ')}`);
  return { ok: true, nested };
}

/** JSON values only, shallow enough to read, and no keys that could reach a prototype. */
function isPlainJson(v: unknown, depth: number): boolean {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  if (depth >= MAX_CLAIM_DEPTH || typeof v !== 'object') return false;
  if (Array.isArray(v)) return v.every((x) => isPlainJson(x, depth + 1));
  if (Object.getPrototypeOf(v) !== Object.prototype && Object.getPrototypeOf(v) !== null) return false;
  return Object.entries(v).every(([k, x]) => !PROTOTYPE_KEYS.has(k) && isPlainJson(x, depth + 1));
}
