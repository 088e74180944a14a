import { jwtVerify } from 'jose';
import type { RegisteredClient } from '../clients/client-config';
import type { ReplayCache } from '../clients/replay-cache';
import { hasEmbeddedKey, precheckCompact } from '@tokenwarden/jwt';

export const TOKEN_TYPE_JWT = 'urn:ietf:params:oauth:token-type:jwt';
export const TOKEN_TYPE_ACCESS = 'urn:ietf:params:oauth:token-type:access_token';
export const TOKEN_TYPE_REFRESH = 'urn:ietf:params:oauth:token-type:refresh_token';
/** Explicit typing (RFC 8725 §3.11): a client assertion signed with the same key is not a subject token. */
export const SUBJECT_TOKEN_TYP = 'tokenwarden-subject+jwt';

/** Who the identity service says the user is, from a verified subject token. */
export interface VerifiedSubject {
  readonly subject: string;
  readonly sessionId: string | null;
  readonly consentRef: string | null;
  readonly consentedScopes: readonly string[];
}

export interface SubjectTokenDeps {
  /** Our issuer identifier: the subject token's aud. */
  readonly issuer: string;
  readonly replay: ReplayCache;
  readonly clockToleranceSeconds: number;
  readonly now: () => number;
  readonly maxLifetimeSeconds?: number;
}

const MAX_BYTES = 8192;
const SHORT = /^[\x21-\x7E]{1,128}$/;
const SUBJECT = /^[^\p{Cc}]{1,256}$/u;

/**
 * RFC 8693 subject_token of our token-exchange grant: a JWT the trusted identity
 * service (the calling client, authenticated with private_key_jwt) signs with
 * one of its registered keys after it authenticated the user.
 *   header: typ "tokenwarden-subject+jwt", alg and kid of a registered key
 *   claims: iss = client_id, aud = our issuer, sub, iat, exp (at most 5 min), jti (single use),
 *           optional sid, consent_ref, consented_scope (space-separated)
 * Returns undefined for anything else; the caller answers invalid_request.
 */
export class SubjectTokenVerifier {
  constructor(private readonly deps: SubjectTokenDeps) {}

  async verify(token: string, client: RegisteredClient): Promise<VerifiedSubject | undefined> {
    const shape = precheckCompact(token, MAX_BYTES);
    if (!shape.ok || shape.kind !== 'jws') return undefined;
    const h = shape.header;
    if (hasEmbeddedKey(h) || Object.hasOwn(h, 'crit') || Object.hasOwn(h, 'b64')) return undefined;
    const key = client.assertionKeys.find((k) => k.kid === h.kid && k.alg === h.alg);
    if (!key) return undefined;
    const { issuer, clockToleranceSeconds, now, replay } = this.deps;
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, key.key, {
        algorithms: [key.alg], issuer: client.clientId, audience: issuer, typ: SUBJECT_TOKEN_TYP,
        requiredClaims: ['exp', 'iat', 'jti', 'sub'], clockTolerance: clockToleranceSeconds, currentDate: new Date(now()),
      }));
    } catch {
      return undefined;
    }
    const { sub, jti, exp, iat, sid, consent_ref: consentRef, consented_scope: consented } = payload;
    if (typeof sub !== 'string' || !SUBJECT.test(sub) || typeof jti !== 'string' || !SHORT.test(jti)) return undefined;
    if ((exp as number) - (iat as number) > (this.deps.maxLifetimeSeconds ?? 300)) return undefined;
    for (const v of [sid, consentRef]) if (v !== undefined && (typeof v !== 'string' || !SHORT.test(v))) return undefined;
    if (consented !== undefined && (typeof consented !== 'string' || consented.length > 4096)) return undefined;
    if (!replay.consume(`subject\u0000${client.clientId}\u0000${jti}`, ((exp as number) + clockToleranceSeconds) * 1000)) return undefined;
    return {
      subject: sub, sessionId: (sid as string | undefined) ?? null, consentRef: (consentRef as string | undefined) ?? null,
      consentedScopes: typeof consented === 'string' ? consented.split(' ').filter((s) => s.length > 0) : [],
    };
  }
}
