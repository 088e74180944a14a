import type { RevocationReason } from '@tokenwarden/events';

/** What a refresh grant re-issues; fixed when the family starts. */
export interface FamilyGrant {
  readonly clientId: string;
  readonly subject: string;
  readonly scopes: readonly string[];
  readonly audience: string;
  readonly sessionId?: string;
  readonly consentRef?: string;
}

export interface IssuedRefreshToken {
  /** `<jti>.<secret>`: opaque to clients; the jti may appear in events, the secret never does. */
  readonly token: string;
  readonly jti: string;
  readonly familyId: string;
  readonly expiresAtMs: number;
}

/** Everything the caller needs to publish TokenRevoked events and revocation records. */
export interface FamilyRevocation {
  readonly familyId: string;
  readonly grant: FamilyGrant;
  /** TokenRevoked.reason symbol for every token of the family. */
  readonly reason: Extract<RevocationReason, 'REFRESH_REUSE' | 'CLIENT_REQUEST' | 'SUBJECT_ERASED'>;
  /** Refresh jtis of the family (current and rotated). */
  readonly refreshJtis: readonly string[];
  /** Access tokens minted from the family that have not expired yet: revoke these by (iss, jti). */
  readonly accessTokens: readonly { readonly jti: string; readonly exp: number }[];
  /** The family's absolute expiry: no refresh jti of it is usable after this. */
  readonly expiresAtMs: number;
}

/** Selects families by their grant and start time (erasure by subject or by subject_ref). */
export type FamilyFilter = (grant: FamilyGrant, startedAtMs: number) => boolean;

export type RotateResult =
  | { readonly kind: 'ROTATED'; readonly token: IssuedRefreshToken; readonly previousJti: string; readonly grant: FamilyGrant }
  | { readonly kind: 'REUSE_DETECTED'; readonly revocation: FamilyRevocation }
  | { readonly kind: 'UNKNOWN' | 'CLIENT_MISMATCH' }
  | { readonly kind: 'EXPIRED' | 'REVOKED'; readonly familyId: string };
