import { backoffDelayMs } from '@tokenwarden/kafka';

/** How one sink is retried. Durations carry their unit. */
export interface RetryPolicy {
  /** First backoff step; doubles per consecutive failed round (jittered), up to maxMs. */
  readonly baseMs: number;
  readonly maxMs: number;
  /** Failed rounds after which an alert is parked; 0 = no attempt bound. */
  readonly maxAttempts: number;
  /** Time since an alert's first failed round after which it is parked; 0 = no time bound. */
  readonly maxElapsedMs: number;
  /** A longer Retry-After than this is cut to it. */
  readonly maxRetryAfterMs: number;
}

/** Where a sink stands: consecutive failed rounds and when it may be tried again. */
export interface SinkGate {
  failures: number;
  notBeforeMs: number;
}

/** The gate after a failed round: jittered exponential backoff, but never sooner than the sink's Retry-After. */
export function nextGate(
  previous: SinkGate | undefined,
  policy: RetryPolicy,
  nowMs: number,
  retryAfterMs: number | undefined,
  random: () => number,
): SinkGate {
  const failures = (previous?.failures ?? 0) + 1;
  const backoff = backoffDelayMs(failures, policy.baseMs, policy.maxMs, random);
  const asked = Math.min(retryAfterMs ?? 0, policy.maxRetryAfterMs);
  return { failures, notBeforeMs: nowMs + Math.max(backoff, asked) };
}

/** Per alert and sink: whether the retry bound is spent. */
export function retriesExhausted(policy: RetryPolicy, attempts: number, firstFailureMs: number | undefined, nowMs: number): boolean {
  if (policy.maxAttempts > 0 && attempts >= policy.maxAttempts) return true;
  return policy.maxElapsedMs > 0 && firstFailureMs !== undefined && nowMs - firstFailureMs >= policy.maxElapsedMs;
}
