import type { KeyObject } from 'node:crypto';
import { errors, jwtVerify, JWTPayload } from 'jose';
import { decodeSegmentObject, hasEmbeddedKey, precheckCompact, ReasonCode } from '@tokenwarden/jwt';
import type { RegisteredClient } from './client-config';
import type { ClientRegistry } from './client-registry';
import type { ReplayCache } from './replay-cache';

export type AssertionFailure = ReasonCode | 'CLIENT_UNKNOWN' | 'ASSERTION_REPLAYED';
export type AssertionResult =
  | { readonly ok: true; readonly client: RegisteredClient; readonly jti: string }
  | { readonly ok: false; readonly reason: AssertionFailure };

export interface ClientAssertionDeps {
  readonly registry: Pick<ClientRegistry, 'get'>;
  /** Our token endpoint URL; RFC 7523 §3 says the assertion's aud names it. */
  readonly tokenEndpoint: string;
  /** Our issuer identifier, also accepted as aud (RFC 7523bis, OpenID Connect). */
  readonly issuer: string;
  readonly replay: ReplayCache;
  readonly clockToleranceSeconds: number;
  readonly now: () => number;
  /** Assertions are for one request: refuse ones that live longer than this. */
  readonly maxLifetimeSeconds?: number;
}

const MAX_ASSERTION_BYTES = 8192;
const ASSERTION_TYPES = ['jwt', 'client-authentication+jwt'];
const no = (reason: AssertionFailure): AssertionResult => ({ ok: false, reason });

/**
 * Verifies a `private_key_jwt` client assertion (RFC 7523 §2.2, §3): iss = sub =
 * client_id, aud = token endpoint, exp required and short, jti single-use. The
 * key comes from the client's registered JWKS only, never from the assertion.
 */
export class ClientAssertionVerifier {
  constructor(private readonly deps: ClientAssertionDeps) {}

  async verify(assertion: unknown, claimedClientId?: string): Promise<AssertionResult> {
    const shape = precheckCompact(assertion, MAX_ASSERTION_BYTES);
    if (!shape.ok) return no(shape.reason);
    if (shape.kind !== 'jws') return no(ReasonCode.MALFORMED);
    const h = shape.header;
    if (typeof h.alg !== 'string') return no(ReasonCode.MALFORMED);
    if (h.alg.trim().toLowerCase() === 'none') return no(ReasonCode.ALG_NONE);
    if (hasEmbeddedKey(h)) return no(ReasonCode.EMBEDDED_KEY);
    if (Object.hasOwn(h, 'crit') || Object.hasOwn(h, 'b64')) return no(ReasonCode.CRIT_UNSUPPORTED);
    if (h.typ !== undefined && !(typeof h.typ === 'string' && ASSERTION_TYPES.includes(h.typ.toLowerCase()))) {
      return no(ReasonCode.TYPE_MISMATCH);
    }
    const unverified = decodeSegmentObject(shape.segments[1]);
    if (!unverified) return no(ReasonCode.MALFORMED);
    const clientId = claimedClientId ?? unverified.iss;
    if (typeof clientId !== 'string') return no(ReasonCode.CLAIM_MISSING);
    const client = this.deps.registry.get(clientId);
    if (!client || client.authMethod !== 'private_key_jwt') return no('CLIENT_UNKNOWN');
    const key = client.assertionKeys.find((k) => (h.kid === undefined || k.kid === h.kid) && k.alg === h.alg);
    if (!key) return no(client.assertionKeys.some((k) => k.alg === h.alg) ? ReasonCode.KEY_UNKNOWN : ReasonCode.ALG_NOT_ALLOWED);
    return this.verifySigned(assertion as string, client, key.key, key.alg);
  }

  private async verifySigned(assertion: string, client: RegisteredClient, key: KeyObject, alg: string): Promise<AssertionResult> {
    const { tokenEndpoint, issuer, clockToleranceSeconds, now, replay } = this.deps;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(assertion, key, {
        algorithms: [alg], issuer: client.clientId, subject: client.clientId, audience: [tokenEndpoint, issuer],
        requiredClaims: ['exp', 'jti', 'iss', 'sub', 'aud'], clockTolerance: clockToleranceSeconds, currentDate: new Date(now()),
      }));
    } catch (e) {
      return no(joseReason(e));
    }
    if (typeof payload.jti !== 'string' || payload.jti.length === 0 || payload.jti.length > 256) return no(ReasonCode.CLAIM_TYPE);
    const exp = payload.exp as number;
    if (exp - now() / 1000 > (this.deps.maxLifetimeSeconds ?? 300)) return no(ReasonCode.LIFETIME_EXCEEDED);
    if (!replay.consume(`${client.clientId}\u0000${payload.jti}`, (exp + clockToleranceSeconds) * 1000)) return no('ASSERTION_REPLAYED');
    return { ok: true, client, jti: payload.jti };
  }
}

function joseReason(e: unknown): ReasonCode {
  if (e instanceof errors.JWTExpired) return ReasonCode.EXPIRED;
  if (e instanceof errors.JWSSignatureVerificationFailed) return ReasonCode.SIGNATURE_INVALID;
  if (e instanceof errors.JWTClaimValidationFailed) {
    if (e.reason === 'missing') return ReasonCode.CLAIM_MISSING;
    if (e.reason === 'invalid') return ReasonCode.CLAIM_TYPE;
    const byClaim: Record<string, ReasonCode> = {
      iss: ReasonCode.ISSUER_MISMATCH, sub: ReasonCode.ISSUER_MISMATCH, aud: ReasonCode.AUDIENCE_MISMATCH,
      nbf: ReasonCode.NOT_YET_VALID, iat: ReasonCode.IAT_FUTURE,
    };
    return byClaim[e.claim] ?? ReasonCode.CLAIM_TYPE;
  }
  return ReasonCode.MALFORMED;
}
