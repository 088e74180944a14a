import { RateLimit } from '../producers/producer-config';

/** Whether a request may pass; when not, how long until it could. */
export type Admission = { ok: true } | { ok: false; retryAfterSeconds: number };

/**
 * One token bucket per producer: `burst` events at once, refilled at
 * `eventsPerSecond`. A request costs one token per event it carries, so the
 * limit protects Kafka in events, whatever the batch size.
 */
export class ProducerRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; atMs: number }>();

  constructor(private readonly now: () => number) {}

  /** Takes `cost` tokens, or none when there are not enough. */
  take(producerId: string, limit: RateLimit, cost: number): Admission {
    const b = this.refill(producerId, limit);
    if (cost <= b.tokens) {
      b.tokens -= cost;
      return { ok: true };
    }
    const missing = Math.min(cost, limit.burst) - b.tokens;
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(missing / limit.eventsPerSecond)) };
  }

  /** Refuses early (before the body is read) when not even one token is left. */
  peek(producerId: string, limit: RateLimit): Admission {
    const b = this.refill(producerId, limit);
    return b.tokens >= 1 ? { ok: true } : { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - b.tokens) / limit.eventsPerSecond)) };
  }

  private refill(producerId: string, limit: RateLimit): { tokens: number; atMs: number } {
    const now = this.now();
    let b = this.buckets.get(producerId);
    if (!b) this.buckets.set(producerId, (b = { tokens: limit.burst, atMs: now }));
    const elapsedMs = Math.max(0, now - b.atMs);
    b.tokens = Math.min(limit.burst, b.tokens + (elapsedMs / 1000) * limit.eventsPerSecond);
    b.atMs = now;
    return b;
  }
}
