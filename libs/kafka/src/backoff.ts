import { setTimeout as sleep } from 'node:timers/promises';
import { classify } from './kafka-error';

/**
 * Jittered exponential backoff ("full jitter"): a random delay in
 * [base*2^(attempt-1) / 2, base*2^(attempt-1)], capped at maxMs.
 */
export function backoffDelayMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export interface StartRetryOptions {
  /** Aborted when the service is stopping: the retry gives up quietly. */
  readonly signal: AbortSignal;
  readonly baseMs: number;
  readonly maxMs: number;
  readonly log: (level: 'warn', message: string, fields: Record<string, unknown>) => void;
}

/**
 * Runs a start-up step (migrate, connect, join a group) until it succeeds, so
 * a service whose Kafka or ClickHouse is down at boot waits instead of
 * crash-looping. A retriable failure (our errors' `retriable: true`) waits
 * with jittered backoff and is logged; anything else is thrown. Resolves
 * undefined when `signal` aborts meanwhile.
 */
export async function retryStartStep<T>(what: string, step: () => Promise<T>, o: StartRetryOptions): Promise<{ value: T } | undefined> {
  for (let attempt = 1; ; attempt += 1) {
    if (o.signal.aborted) return undefined;
    try {
      return { value: await step() };
    } catch (err) {
      if (!classify(err)?.retriable) throw err;
      const delayMs = backoffDelayMs(attempt, o.baseMs, o.maxMs);
      o.log('warn', `could not ${what}; retrying`, { attempt, delayMs, error: (err as Error).message });
      await sleep(delayMs, undefined, { signal: o.signal }).catch(() => undefined);
    }
  }
}
