/** Key of a revocation on the compacted revocations topic: "<iss> <jti>". */
export const revocationKey = (iss: string, jti: string): string => `${iss} ${jti}`;
/** Key of an erasure marker on the revocations topic. */
export const erasureKey = (subjectRef: string): string => `erased ${subjectRef}`;

/** A subject erasure as the validator needs it. */
export interface ErasureMarker {
  readonly subjectRef: string;
  readonly erasedAtMs: number;
}

/**
 * The materialized state of the compacted `revocations` topic: (iss, jti)
 * entries with their token's expiry, and erasure markers per subject_ref.
 * Plain and synchronous: the validator asks it on every check.
 */
export class RevocationSet {
  private readonly revoked = new Map<string, number>();
  private readonly erased = new Map<string, ErasureMarker & { readonly untilMs: number }>();

  /** @param erasureRetentionMs how long after an erasure its marker is needed (longest token or family life + tolerance). */
  constructor(private readonly erasureRetentionMs: number) {}

  addRevocation(iss: string, jti: string, expiresAtMs: number): void {
    const key = revocationKey(iss, jti);
    // A later, shorter record must not shorten an earlier one.
    this.revoked.set(key, Math.max(expiresAtMs, this.revoked.get(key) ?? 0));
  }

  addErasure(subjectRef: string, erasedAtMs: number): void {
    const prior = this.erased.get(erasureKey(subjectRef));
    if (prior && prior.erasedAtMs >= erasedAtMs) return;
    this.erased.set(erasureKey(subjectRef), { subjectRef, erasedAtMs, untilMs: erasedAtMs + this.erasureRetentionMs });
  }

  /** A tombstone: the entry is gone from the topic, so it goes from memory too. */
  remove(key: string): void {
    this.revoked.delete(key);
    this.erased.delete(key);
  }

  isRevoked(iss: string, jti: string): boolean {
    return this.revoked.has(revocationKey(iss, jti));
  }

  /** True when the subject was erased at or after the token's iat (same-second issuance counts as before). */
  isErased(subjectRef: string, iatSeconds: number): boolean {
    const m = this.erased.get(erasureKey(subjectRef));
    return m !== undefined && Math.floor(m.erasedAtMs / 1000) >= iatSeconds;
  }

  /** Keys whose token (or erasure marker) has outlived its use: they get a tombstone. */
  expiredKeys(nowMs: number): string[] {
    const out: string[] = [];
    for (const [k, exp] of this.revoked) if (exp <= nowMs) out.push(k);
    for (const [k, m] of this.erased) if (m.untilMs <= nowMs) out.push(k);
    return out;
  }

  get size(): number {
    return this.revoked.size + this.erased.size;
  }
}
