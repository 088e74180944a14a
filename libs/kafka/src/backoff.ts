/**
 * Jittered exponential backoff ("full jitter"): a random delay in
 * [base*2^(attempt-1) / 2, base*2^(attempt-1)], capped at maxMs.
 */
export function backoffDelayMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
