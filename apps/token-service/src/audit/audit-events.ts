import type {
  DenialReason, EventHeader, GrantType, RevocationReason, TokenKind, TokenwardenEvent, ValidationOutcome,
} from '@tokenwarden/events';
import type { KeyLifecycleRecord } from '../keys/key-store';
import { ReasonCode, tokenFingerprint } from '@tokenwarden/jwt';
import type { Verdict } from '@tokenwarden/jwt';

// Pure mappings from domain facts to event values: the one place that decides
// what goes into an event. Nothing here sees a raw token beyond its fingerprint,
// a secret, a raw subject or a claim value the contract does not name.

const GRANTS: Readonly<Record<string, GrantType>> = {
  client_credentials: 'CLIENT_CREDENTIALS',
  refresh_token: 'REFRESH_TOKEN',
  authorization_code: 'AUTHORIZATION_CODE',
  password: 'PASSWORD',
  'urn:ietf:params:oauth:grant-type:token-exchange': 'TOKEN_EXCHANGE',
  'urn:ietf:params:oauth:grant-type:jwt-bearer': 'JWT_BEARER',
  'urn:ietf:params:oauth:grant-type:device_code': 'DEVICE_CODE',
};

/** The GrantType symbol of an OAuth grant_type parameter; UNKNOWN for anything else (never echoed). */
export const grantSymbol = (grantType: unknown): GrantType =>
  (typeof grantType === 'string' && Object.hasOwn(GRANTS, grantType) ? GRANTS[grantType] : 'UNKNOWN');

const ms = (seconds: number): number => seconds * 1000;
const scopeList = (scope: string | readonly string[]): string[] =>
  (typeof scope === 'string' ? scope.split(' ').filter((s) => s.length > 0) : [...scope]);

/** Refresh tokens are opaque (not JWS): their TokenIssued carries kid "" and alg "opaque". */
export const OPAQUE_ALG = 'opaque';

export interface AccessIssuedFacts {
  readonly issuer: string;
  readonly jti: string;
  readonly fingerprint: string;
  readonly audience: string;
  readonly scope: string;
  readonly kid: string;
  readonly alg: string;
  readonly iat: number;
  readonly exp: number;
  readonly grantType: string;
  readonly familyId?: string | null;
  readonly parentJti?: string | null;
  readonly consentRef?: string | null;
}

export function accessIssued(header: EventHeader, f: AccessIssuedFacts): TokenwardenEvent {
  return {
    type: 'TokenIssued',
    value: {
      header, jti: f.jti, token_fingerprint: f.fingerprint, iss: f.issuer, token_kind: 'ACCESS', aud: [f.audience],
      scope: scopeList(f.scope), kid: f.kid, alg: f.alg, issued_at: ms(f.iat), expires_at: ms(f.exp),
      lifetime_seconds: f.exp - f.iat, grant_type: grantSymbol(f.grantType), family_id: f.familyId ?? null,
      parent_jti: f.parentJti ?? null, consent_ref: f.consentRef ?? null,
    },
  };
}

export interface RefreshIssuedFacts {
  readonly issuer: string;
  /** The opaque token: only its fingerprint leaves this function. */
  readonly token: string;
  readonly jti: string;
  readonly familyId: string;
  readonly audience: string;
  readonly scopes: readonly string[];
  readonly issuedAtMs: number;
  readonly expiresAtMs: number;
  readonly grantType: string;
  readonly parentJti?: string | null;
  readonly consentRef?: string | null;
}

export function refreshIssued(header: EventHeader, f: RefreshIssuedFacts): TokenwardenEvent {
  return {
    type: 'TokenIssued',
    value: {
      header, jti: f.jti, token_fingerprint: tokenFingerprint(f.token), iss: f.issuer, token_kind: 'REFRESH',
      aud: [f.audience], scope: [...f.scopes], kid: '', alg: OPAQUE_ALG, issued_at: f.issuedAtMs, expires_at: f.expiresAtMs,
      lifetime_seconds: Math.round((f.expiresAtMs - f.issuedAtMs) / 1000), grant_type: grantSymbol(f.grantType),
      family_id: f.familyId, parent_jti: f.parentJti ?? null, consent_ref: f.consentRef ?? null,
    },
  };
}

export interface DeniedFacts {
  readonly reason: Exclude<DenialReason, 'UNKNOWN'>;
  /** Fixed text chosen by the service, never request content. */
  readonly detail: string;
  readonly grantType: unknown;
  readonly scopes: readonly string[];
  readonly audiences: readonly string[];
}

export function issuanceDenied(header: EventHeader, f: DeniedFacts): TokenwardenEvent {
  return {
    type: 'IssuanceDenied',
    value: {
      header, reason: f.reason, detail: f.detail, requested_grant: grantSymbol(f.grantType),
      requested_scope: f.scopes.slice(0, 32).map((s) => s.slice(0, 128)),
      requested_audience: f.audiences.slice(0, 8).map((a) => a.slice(0, 256)),
      requested_lifetime_seconds: null,
    },
  };
}

export interface RevokedFacts {
  readonly issuer: string;
  readonly jti: string;
  readonly kind: Exclude<TokenKind, 'UNKNOWN'>;
  readonly reason: Exclude<RevocationReason, 'UNKNOWN'>;
  readonly cascade: boolean;
  readonly familyId?: string | null;
  readonly expiresAtMs: number;
  /** Calling client id (RFC 7009), "admin:<ref>", or "system". */
  readonly revokedBy: string;
}

export function tokenRevoked(header: EventHeader, f: RevokedFacts): TokenwardenEvent {
  return {
    type: 'TokenRevoked',
    value: {
      header, jti: f.jti, iss: f.issuer, token_kind: f.kind, reason: f.reason, cascade: f.cascade,
      family_id: f.familyId ?? null, expires_at: f.expiresAtMs, revoked_by: f.revokedBy,
    },
  };
}

export interface ValidatedFacts {
  readonly verdict: Pick<Verdict, 'valid' | 'reason' | 'jti' | 'iss' | 'fingerprint' | 'alg' | 'kid'>;
  /** token-service, introspection or revocation. */
  readonly validator: string;
  readonly audience: string | null;
  readonly resourceServer: string | null;
}

const outcomeOf = (v: ValidatedFacts['verdict']): ValidationOutcome =>
  (v.valid ? 'VALID' : v.reason === ReasonCode.INTERNAL_ERROR ? 'ERROR' : 'INVALID');

export function tokenValidated(header: EventHeader, f: ValidatedFacts): TokenwardenEvent {
  const v = f.verdict;
  return {
    type: 'TokenValidated',
    value: {
      header, jti: v.jti ?? null, iss: v.iss ?? null, token_fingerprint: v.fingerprint ?? null, outcome: outcomeOf(v),
      reason: v.reason, alg: v.alg ?? null, kid: v.kid ?? null, validator: f.validator, audience: f.audience,
      resource_server: f.resourceServer,
    },
  };
}

/**
 * One KeyLifecycle per record. DEACTIVATED (the old key stops signing but stays
 * published) has no symbol in KeyLifecycle v1, so it is not published.
 */
export function keyLifecycle(header: EventHeader, r: KeyLifecycleRecord): TokenwardenEvent | undefined {
  if (r.phase === 'DEACTIVATED') return undefined;
  return {
    type: 'KeyLifecycle',
    value: {
      header, kid: r.kid, alg: r.alg, phase: r.phase, key_created_at: r.keyCreatedAtMs, storage: r.storage, jwk_thumbprint: r.jwkThumbprint,
    },
  };
}

export interface ErasedFacts {
  readonly tokensRevoked: number;
  readonly familiesRevoked: number;
  readonly requestedBy: string;
  readonly requestRef: string | null;
}

export function subjectErased(header: EventHeader, f: ErasedFacts): TokenwardenEvent {
  return {
    type: 'SubjectErased',
    value: {
      header, tokens_revoked: f.tokensRevoked, families_revoked: f.familiesRevoked, requested_by: f.requestedBy,
      request_ref: f.requestRef === null ? null : f.requestRef.slice(0, 128),
    },
  };
}
