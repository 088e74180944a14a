import { backoffDelayMs, retryStartStep } from './backoff';
import { KafkaAdapterError } from './kafka-error';

describe('backoffDelayMs', () => {
  it('doubles the ceiling per attempt and stays within [ceiling/2, ceiling]', () => {
    expect(backoffDelayMs(1, 100, 10000, () => 0)).toBe(50);
    expect(backoffDelayMs(1, 100, 10000, () => 1)).toBe(100);
    expect(backoffDelayMs(4, 100, 10000, () => 0)).toBe(400);
    expect(backoffDelayMs(4, 100, 10000, () => 1)).toBe(800);
  });

  it('never exceeds the cap, however many attempts', () => {
    for (const attempt of [10, 50, 1000]) {
      expect(backoffDelayMs(attempt, 100, 5000, () => 1)).toBe(5000);
    }
  });

  it('spreads delays (jitter) for the same attempt', () => {
    const seen = new Set([0, 0.25, 0.5, 0.75].map((r) => backoffDelayMs(3, 100, 10000, () => r)));
    expect(seen.size).toBe(4);
  });
});

describe('retryStartStep', () => {
  const setup = () => {
    const warnings: Array<Record<string, unknown>> = [];
    const stop = new AbortController();
    const options = { signal: stop.signal, baseMs: 1, maxMs: 2, log: (_l: 'warn', _m: string, f: Record<string, unknown>) => warnings.push(f) };
    return { warnings, stop, options };
  };
  const down = () => new KafkaAdapterError('ERR_KAFKA_UNAVAILABLE', 'broker down', true);

  it('retries retriable failures, logging each, until the step succeeds', async () => {
    const { warnings, options } = setup();
    let calls = 0;
    const result = await retryStartStep('connect', async () => {
      calls += 1;
      if (calls < 3) throw down();
      return 'connected';
    }, options);
    expect(result).toEqual({ value: 'connected' });
    expect(warnings.map((w) => w.attempt)).toEqual([1, 2]);
  });

  it('throws a failure that is not retriable at once', async () => {
    const { options } = setup();
    const bug = new TypeError('bug');
    let calls = 0;
    await expect(retryStartStep('migrate', async () => {
      calls += 1;
      throw bug;
    }, options)).rejects.toBe(bug);
    expect(calls).toBe(1);
  });

  it('gives up quietly (undefined) when the service stops while it waits', async () => {
    const { stop, options } = setup();
    const result = retryStartStep('connect', async () => {
      stop.abort();
      throw down();
    }, { ...options, baseMs: 60_000, maxMs: 60_000 });
    await expect(result).resolves.toBeUndefined();
  });
});
