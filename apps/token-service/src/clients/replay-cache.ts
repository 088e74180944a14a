/**
 * Remembers single-use identifiers (client assertion jti) until they expire.
 * Bounded: when full of live entries it refuses new ones (fail closed) rather
 * than forgetting a live jti, which would re-open a replay window.
 */
export class ReplayCache {
  private readonly seen = new Map<string, number>();

  constructor(private readonly now: () => number, private readonly maxEntries = 100_000) {}

  /** True the first time `key` is presented before `expiresAtMs`; false for a replay or when full. */
  consume(key: string, expiresAtMs: number): boolean {
    const now = this.now();
    const known = this.seen.get(key);
    if (known !== undefined && known > now) return false;
    if (this.seen.size >= this.maxEntries) this.prune(now);
    if (this.seen.size >= this.maxEntries) return false;
    this.seen.set(key, expiresAtMs);
    return true;
  }

  get size(): number {
    return this.seen.size;
  }

  private prune(now: number): void {
    for (const [k, exp] of this.seen) if (exp <= now) this.seen.delete(k);
  }
}
