import type { ValidationReason } from '@tokenwarden/events';

/**
 * Why a presented token is valid or not: the TokenValidated.reason symbols.
 * `satisfies` keeps this list a subset of the Avro enum at compile time, so a
 * code the contract does not know cannot be published.
 */
export const ReasonCode = {
  OK: 'OK',
  MALFORMED: 'MALFORMED',
  TOO_LARGE: 'TOO_LARGE',
  ALG_NONE: 'ALG_NONE',
  ALG_NOT_ALLOWED: 'ALG_NOT_ALLOWED',
  /** The alg is allowed, but not the one the kid's key signs with (downgrade under our kid). */
  KEY_ALG_MISMATCH: 'KEY_ALG_MISMATCH',
  /** kid missing, not a string, or not shaped like a key id (path, SQL, control characters, too long). */
  KID_INVALID: 'KID_INVALID',
  KEY_UNKNOWN: 'KEY_UNKNOWN',
  KEY_RETIRED: 'KEY_RETIRED',
  KEY_REVOKED: 'KEY_REVOKED',
  EMBEDDED_KEY: 'EMBEDDED_KEY',
  SIGNATURE_INVALID: 'SIGNATURE_INVALID',
  CRIT_UNSUPPORTED: 'CRIT_UNSUPPORTED',
  TYPE_MISMATCH: 'TYPE_MISMATCH',
  CLAIM_MISSING: 'CLAIM_MISSING',
  CLAIM_TYPE: 'CLAIM_TYPE',
  /** Right type, refused value: a forbidden claim, or a sensitive one outside a JWE. */
  CLAIM_INVALID: 'CLAIM_INVALID',
  EXPIRED: 'EXPIRED',
  NOT_YET_VALID: 'NOT_YET_VALID',
  IAT_FUTURE: 'IAT_FUTURE',
  LIFETIME_EXCEEDED: 'LIFETIME_EXCEEDED',
  ISSUER_MISMATCH: 'ISSUER_MISMATCH',
  AUDIENCE_MISMATCH: 'AUDIENCE_MISMATCH',
  JWE_REFUSED: 'JWE_REFUSED',
  REVOKED: 'REVOKED',
  SUBJECT_ERASED: 'SUBJECT_ERASED',
  /** Not produced by TokenValidator: for introspection/refresh callers (token of another client, rotated refresh token). */
  CLIENT_MISMATCH: 'CLIENT_MISMATCH',
  REFRESH_REUSED: 'REFRESH_REUSED',
  /** A dependency (revocation or erasure lookup) failed; the token is refused, never waved through (outcome ERROR). */
  INTERNAL_ERROR: 'INTERNAL_ERROR',
} as const satisfies Record<string, Exclude<ValidationReason, 'UNKNOWN'>>;
export type ReasonCode = (typeof ReasonCode)[keyof typeof ReasonCode];
export const REASON_CODES: readonly ReasonCode[] = Object.values(ReasonCode);
