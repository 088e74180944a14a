import { createHash, createHmac } from 'node:crypto';

/** HMAC keys shorter than the hash output weaken the pseudonym (RFC 2104 §3); refuse them. */
export const MIN_SUBJECT_KEY_BYTES = 32;
const MAX_CACHED_SUBJECTS = 4096;
const MAX_CACHED_SUB_CHARS = 256;

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

  /**
   * Recent results: the HMAC is a pure function of (key, sub) and the key never
   * changes, so a hit is exactly what recomputing would give. Bounded; emptied when full.
   */
  private readonly recent = new Map<string, string>();

  /** Lower-case hex HMAC-SHA256 of the subject identifier. */
  subjectRef(sub: string): string {
    const hit = this.recent.get(sub);
    if (hit !== undefined) return hit;
    const ref = createHmac('sha256', this.key).update(sub, 'utf8').digest('hex');
    if (sub.length <= MAX_CACHED_SUB_CHARS) {
      if (this.recent.size >= MAX_CACHED_SUBJECTS) this.recent.clear();
      this.recent.set(sub, ref);
    }
    return ref;
  }
}

/**
 * SHA-256 hex of the token string: names a token in events without carrying it.
 * Not an identity (signatures are malleable): revocation keys on (iss, jti).
 */
export function tokenFingerprint(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
