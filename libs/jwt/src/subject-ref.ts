import { createHash, createHmac } from 'node:crypto';

/** HMAC keys shorter than the hash output weaken the pseudonym (RFC 2104 §3); refuse them. */
export const MIN_SUBJECT_KEY_BYTES = 32;

/**
 * Names subjects in events without naming them: `subjectRef(sub)` is
 * HMAC-SHA256 under a server-held key, so analysts can correlate one subject's
 * events, and erasing the key (or the mapping) unlinks them.
 */
export class SubjectPseudonymizer {
  private readonly key: Buffer;

  constructor(key: Uint8Array) {
    if (key.length < MIN_SUBJECT_KEY_BYTES) {
      throw new RangeError(`subject pseudonym key must be at least ${MIN_SUBJECT_KEY_BYTES} bytes`);
    }
    this.key = Buffer.from(key);
  }

  /** Lower-case hex HMAC-SHA256 of the subject identifier. */
  subjectRef(sub: string): string {
    return createHmac('sha256', this.key).update(sub, 'utf8').digest('hex');
  }
}

/**
 * SHA-256 hex of the token string: names a token in events without carrying it.
 * Not an identity (signatures are malleable): revocation keys on (iss, jti).
 */
export function tokenFingerprint(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
