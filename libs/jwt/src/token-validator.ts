import type { Policy } from '@tokenwarden/policy';
import { ReasonCode } from './reason-codes';
import { SubjectPseudonymizer, tokenFingerprint } from './subject-ref';
import { checkClaims, ClaimContext } from './claim-rules';
import { decodeSegmentObject, precheckCompact } from './compact-precheck';
import { checkJwsHeader, sanitizeHeaderValue } from './header-rules';
import { DecryptionKey, unwrapNested } from './jwe-unwrap';
import { JsonObject } from './json-guard';
import type { KeyResolver } from './key-resolver';
import { verifyCompactSignature } from './signature';
import { verdict, Verdict, VerdictFields } from './verdict';

export interface TokenValidatorDeps {
  readonly policy: Policy;
  /** Our issuer identifier, compared exactly with `iss`. */
  readonly issuer: string;
  /** Default expected audience; a caller may name another per call. */
  readonly audience: string;
  /** The issuer's key set (the token service's KeyStore, or a guard's JWKS cache); the only place a verification key can come from. */
  readonly keys: KeyResolver;
  readonly decryptionKeys?: readonly DecryptionKey[];
  readonly pseudonyms: SubjectPseudonymizer;
  /** Revocation is by (iss, jti), never by the token string (signatures are malleable). */
  readonly isRevoked: (iss: string, jti: string) => boolean | Promise<boolean>;
  /** True when the subject was erased at or after `iatSeconds`. */
  readonly isErased: (subjectRef: string, iatSeconds: number) => boolean | Promise<boolean>;
  readonly now: () => number;
  /**
   * Told about every INTERNAL_ERROR verdict (a failing lookup, or a bug), so the
   * caller can log and count it: bugs stay loud without crashing on a token.
   */
  readonly onInternalError?: (err: unknown) => void;
}

/** A JWS outcome before it becomes a verdict; `signed` says whether the signature verified. */
type Inner = { readonly reason: ReasonCode; readonly fields: VerdictFields; readonly signed: boolean };

/**
 * RFC 9068 access-token validation as an explicit pipeline with one reason per
 * step. It never throws for bad input and never fetches anything a token names:
 * keys come from the configured key resolver by kid, and every check pins what jose would otherwise
 * infer from the token (algorithm, key, typ, issuer, audience, lifetime).
 */
export class TokenValidator {
  private readonly forbidden: ReadonlySet<string>;
  private readonly sensitive: ReadonlySet<string>;

  constructor(private readonly deps: TokenValidatorDeps) {
    this.forbidden = new Set(deps.policy.claims.forbidden.map((c) => c.toLowerCase()));
    this.sensitive = new Set(deps.policy.claims.sensitive.map((c) => c.toLowerCase()));
  }

  /** `audience: null` pins no audience (introspection); omitted: the default audience. */
  async validate(token: unknown, opts: { audience?: string | null } = {}): Promise<Verdict> {
    const audience = opts.audience === undefined ? this.deps.audience : opts.audience;
    try {
      const shape = precheckCompact(token, this.deps.policy.maxTokenSizeBytes);
      if (!shape.ok) return verdict(shape.reason, { nested: false });
      // The fingerprint names the token in audit events; it is computed when first read, not here.
      const fp = (reason: ReasonCode, fields: VerdictFields): Verdict => verdictWithLazyFingerprint(reason, fields, token as string);
      if (shape.kind === 'jws') {
        const r = await this.verifyJws(token as string, shape.segments, shape.header, audience, false);
        return fp(r.reason, r.fields);
      }
      const outer = await unwrapNested(token as string, shape.header, this.deps.decryptionKeys ?? [], this.deps.policy);
      if (!outer.ok) return fp(outer.reason, { nested: true, alg: sanitizeHeaderValue(shape.header.alg) });
      const inner = precheckCompact(outer.inner, this.deps.policy.maxTokenSizeBytes);
      if (!inner.ok || inner.kind !== 'jws') return fp(ReasonCode.JWE_REFUSED, { nested: true });
      const r = await this.verifyJws(outer.inner, inner.segments, inner.header, audience, true);
      // Until the inner signature verifies, the JWE is just something anyone could encrypt to us.
      return fp(r.signed ? r.reason : ReasonCode.JWE_REFUSED, r.fields);
    } catch (err) {
      // Only a bug gets here (lookups are caught below): refuse, and report it.
      this.deps.onInternalError?.(err);
      return verdict(ReasonCode.INTERNAL_ERROR, { nested: false });
    }
  }

  private async verifyJws(
    token: string, segments: readonly string[], header: JsonObject, audience: string | null, encrypted: boolean,
  ): Promise<Inner> {
    const base: VerdictFields = { nested: encrypted, alg: sanitizeHeaderValue(header.alg), kid: sanitizeHeaderValue(header.kid) };
    const unsigned = (reason: ReasonCode): Inner => ({ reason, fields: base, signed: false });
    const h = checkJwsHeader(header, this.deps.policy.algorithms.allowed);
    if (!h.ok) return unsigned(h.reason);
    const payload = decodeSegmentObject(segments[1]);
    if (!payload) return unsigned(ReasonCode.MALFORMED);
    if (segments[2].length === 0) return unsigned(ReasonCode.SIGNATURE_INVALID);
    let key;
    try {
      const found = this.deps.keys.verificationKey(h.kid);
      // A synchronous key store answers without a trip through the microtask queue.
      key = isPromise(found) ? await found : found;
    } catch (err) {
      this.deps.onInternalError?.(err);
      return unsigned(ReasonCode.INTERNAL_ERROR);
    }
    // Fail closed when the key set cannot be trusted (a JWKS cache past its maximum age).
    if (key.status === 'unavailable') return unsigned(ReasonCode.INTERNAL_ERROR);
    if (key.status === 'unknown') return unsigned(ReasonCode.KEY_UNKNOWN);
    if (key.status === 'retired') return unsigned(ReasonCode.KEY_RETIRED);
    if (key.status === 'revoked') return unsigned(ReasonCode.KEY_REVOKED);
    // A key signs with one algorithm only: RS256 under a PS256 or ES256 kid is a downgrade.
    if (key.alg !== h.alg) return unsigned(ReasonCode.KEY_ALG_MISMATCH);
    if (!(await verifyCompactSignature(token, key.alg, key.key))) return unsigned(ReasonCode.SIGNATURE_INVALID);
    return { ...(await this.checkVerifiedClaims(payload, audience, encrypted, base)), signed: true };
  }

  private async checkVerifiedClaims(
    payload: JsonObject, audience: string | null, encrypted: boolean, base: VerdictFields,
  ): Promise<Omit<Inner, 'signed'>> {
    const { policy, now } = this.deps;
    const ctx: ClaimContext = {
      issuer: this.deps.issuer, audience, nowSeconds: Math.floor(now() / 1000),
      toleranceSeconds: policy.clockToleranceSeconds, maxLifetimeSeconds: policy.accessToken.lifetimeSeconds,
      forbidden: this.forbidden, sensitive: this.sensitive, encrypted,
    };
    const fields = verifiedFields(base, payload);
    const checked = checkClaims(payload, ctx);
    if (!checked.ok) return { reason: checked.reason, fields };
    const c = checked.claims;
    const subjectRef = this.deps.pseudonyms.subjectRef(c.sub);
    const full: VerdictFields = { ...fields, subjectRef };
    try {
      const revoked = this.deps.isRevoked(c.iss, c.jti);
      if (isPromise(revoked) ? await revoked : revoked) return { reason: ReasonCode.REVOKED, fields: full };
      const erased = this.deps.isErased(subjectRef, c.iat);
      if (isPromise(erased) ? await erased : erased) return { reason: ReasonCode.SUBJECT_ERASED, fields: full };
    } catch (err) {
      this.deps.onInternalError?.(err);
      return { reason: ReasonCode.INTERNAL_ERROR, fields: full };
    }
    return { reason: ReasonCode.OK, fields: full };
  }
}

const isPromise = <T>(v: T | Promise<T>): v is Promise<T> => typeof (v as { then?: unknown } | null)?.then === 'function';

const verdictString = (v: unknown): string | undefined => (typeof v === 'string' && v.length <= 1024 ? v : undefined);
const verdictNumber = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const isString = (v: unknown): v is string => typeof v === 'string';

/** The header fields plus the claim values for the verdict, each only if it has its documented type. */
function verifiedFields(base: VerdictFields, p: JsonObject): VerdictFields {
  const aud = typeof p.aud === 'string' ? [p.aud] : Array.isArray(p.aud) && p.aud.every(isString) ? p.aud : undefined;
  return {
    nested: base.nested, alg: base.alg, kid: base.kid,
    jti: verdictString(p.jti), iss: verdictString(p.iss), sub: verdictString(p.sub), clientId: verdictString(p.client_id),
    aud, scope: verdictString(p.scope), exp: verdictNumber(p.exp), iat: verdictNumber(p.iat),
  };
}

/**
 * `verdict(reason, fields)` plus a `fingerprint` computed on first read and kept:
 * an own enumerable accessor, so spreads, JSON and equality see it like a plain value.
 * Only audit events read it, so validation itself does not pay for the SHA-256.
 */
function verdictWithLazyFingerprint(reason: ReasonCode, fields: VerdictFields, token: string): Verdict {
  let value: string | undefined;
  let source: string | undefined = token;
  return {
    valid: reason === ReasonCode.OK,
    reason,
    ...fields,
    get fingerprint(): string {
      if (value === undefined) {
        value = tokenFingerprint(source as string);
        source = undefined; // the raw token is not kept once its fingerprint exists
      }
      return value;
    },
  };
}
