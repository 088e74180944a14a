import { ReasonCode } from './reason-codes';
import { JsonObject } from './json-guard';

/** RFC 9068 §2.2 claims a valid access token must carry. */
const REQUIRED = ['exp', 'iat', 'jti', 'sub', 'client_id', 'aud', 'iss'] as const;
const MAX_STRING_CLAIM = 1024;

export interface ClaimContext {
  readonly issuer: string;
  /** null: no audience is pinned (introspection decides who may see the token by itself). */
  readonly audience: string | null;
  readonly nowSeconds: number;
  readonly toleranceSeconds: number;
  readonly maxLifetimeSeconds: number;
  /** Lower-case names refused in any token. */
  readonly forbidden: ReadonlySet<string>;
  /** Lower-case names refused unless the token arrived encrypted. */
  readonly sensitive: ReadonlySet<string>;
  readonly encrypted: boolean;
}

/** The RFC 9068 claims, typed, from a token that passed every rule. */
export interface AccessClaims {
  readonly iss: string;
  readonly sub: string;
  readonly aud: readonly string[];
  readonly exp: number;
  readonly iat: number;
  readonly jti: string;
  readonly clientId: string;
  readonly scope?: string;
}

export type ClaimVerdict = { readonly ok: true; readonly claims: AccessClaims } | { readonly ok: false; readonly reason: ReasonCode };

const isNumericDate = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const isId = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= MAX_STRING_CLAIM;
const isAudience = (v: unknown): v is string | string[] =>
  isId(v) || (Array.isArray(v) && v.length > 0 && v.length <= 32 && v.every(isId));

const TYPE_RULES: Record<string, (v: unknown) => boolean> = {
  exp: isNumericDate, iat: isNumericDate, nbf: isNumericDate,
  jti: isId, sub: isId, client_id: isId, iss: isId, aud: isAudience,
  scope: (v) => typeof v === 'string' && v.length <= 4096,
};
const TYPE_RULE_LIST = Object.entries(TYPE_RULES);

/**
 * Claim rules on a payload whose signature already verified, in a fixed order:
 * presence → JSON types → iss → aud → exp → nbf → iat → lifetime → claim policy.
 * Comparisons are exact (iss is not normalized: case, trailing slash and scheme all matter).
 */
export function checkClaims(p: JsonObject, c: ClaimContext): ClaimVerdict {
  const fail = (reason: ReasonCode): ClaimVerdict => ({ ok: false, reason });
  for (const name of REQUIRED) if (!Object.hasOwn(p, name) || p[name] === null) return fail(ReasonCode.CLAIM_MISSING);
  for (const [name, rule] of TYPE_RULE_LIST) {
    if (Object.hasOwn(p, name) && !rule(p[name])) return fail(ReasonCode.CLAIM_TYPE);
  }
  const iss = p.iss as string;
  const aud = typeof p.aud === 'string' ? [p.aud] : (p.aud as string[]);
  const exp = p.exp as number;
  const iat = p.iat as number;
  const now = c.nowSeconds;
  const tol = c.toleranceSeconds;
  if (iss !== c.issuer) return fail(ReasonCode.ISSUER_MISMATCH);
  if (c.audience !== null && !aud.includes(c.audience)) return fail(ReasonCode.AUDIENCE_MISMATCH);
  // RFC 7519 §4.1.4: valid only while now < exp; the tolerance absorbs clock skew.
  if (now - tol >= exp) return fail(ReasonCode.EXPIRED);
  if (typeof p.nbf === 'number' && now + tol < p.nbf) return fail(ReasonCode.NOT_YET_VALID);
  if (iat > now + tol) return fail(ReasonCode.IAT_FUTURE);
  if (exp - iat > c.maxLifetimeSeconds || exp < iat) return fail(ReasonCode.LIFETIME_EXCEEDED);
  for (const name of Object.keys(p)) {
    const lower = name.toLowerCase();
    if (c.forbidden.has(lower) || (!c.encrypted && c.sensitive.has(lower))) return fail(ReasonCode.CLAIM_INVALID);
  }
  return {
    ok: true,
    claims: { iss, sub: p.sub as string, aud, exp, iat, jti: p.jti as string, clientId: p.client_id as string, scope: p.scope as string | undefined },
  };
}
