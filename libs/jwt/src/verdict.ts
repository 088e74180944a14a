import { ReasonCode } from './reason-codes';

/**
 * The outcome of validating one presented token. `alg` and `kid` come from the
 * (unverified, sanitized) header; claim fields are set only once the signature
 * verified, so an attacker cannot put words into the audit trail.
 */
export interface Verdict {
  readonly valid: boolean;
  readonly reason: ReasonCode;
  /** The token arrived as a nested JWT (signed, then encrypted). */
  readonly nested: boolean;
  /** SHA-256 hex of the presented string; absent when the token was refused for its size or type. */
  readonly fingerprint?: string;
  readonly alg?: string;
  readonly kid?: string;
  readonly jti?: string;
  readonly iss?: string;
  readonly sub?: string;
  readonly subjectRef?: string;
  readonly clientId?: string;
  readonly aud?: readonly string[];
  readonly scope?: string;
  readonly exp?: number;
  readonly iat?: number;
}

export type VerdictFields = Omit<Verdict, 'valid' | 'reason'>;

export function verdict(reason: ReasonCode, fields: VerdictFields): Verdict {
  return { valid: reason === ReasonCode.OK, reason, ...fields };
}
