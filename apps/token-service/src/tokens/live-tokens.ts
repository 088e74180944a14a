/** An access token this instance handed out, as erasure and RFC 7009 need it. */
export interface LiveToken {
  readonly jti: string;
  readonly subject: string;
  readonly clientId: string;
  /** exp claim, seconds. */
  readonly exp: number;
  readonly familyId: string | null;
  readonly sessionId: string | null;
}

/**
 * Unexpired access tokens issued by this instance, by jti and by subject.
 * Bounded by issuance rate times the access-token lifetime; `prune` from a timer.
 */
export class LiveTokens {
  private readonly byJti = new Map<string, LiveToken>();
  private readonly bySubject = new Map<string, Set<string>>();

  constructor(private readonly now: () => number) {}

  add(t: LiveToken): void {
    this.byJti.set(t.jti, t);
    const set = this.bySubject.get(t.subject) ?? new Set<string>();
    set.add(t.jti);
    this.bySubject.set(t.subject, set);
  }

  get(jti: string): LiveToken | undefined {
    return this.byJti.get(jti);
  }

  /** The subject's tokens that have not expired yet. */
  ofSubject(subject: string): LiveToken[] {
    const nowSeconds = this.now() / 1000;
    return [...(this.bySubject.get(subject) ?? [])].map((j) => this.byJti.get(j)).filter((t): t is LiveToken => !!t && t.exp > nowSeconds);
  }

  forgetSubject(subject: string): void {
    for (const jti of this.bySubject.get(subject) ?? []) this.byJti.delete(jti);
    this.bySubject.delete(subject);
  }

  prune(): number {
    const nowSeconds = this.now() / 1000;
    let n = 0;
    for (const t of [...this.byJti.values()]) {
      if (t.exp > nowSeconds) continue;
      this.byJti.delete(t.jti);
      const set = this.bySubject.get(t.subject);
      set?.delete(t.jti);
      if (set?.size === 0) this.bySubject.delete(t.subject);
      n++;
    }
    return n;
  }

  get size(): number {
    return this.byJti.size;
  }
}
