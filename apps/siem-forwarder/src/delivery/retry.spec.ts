import { parseRetryAfter } from './retry-after';
import { nextGate, retriesExhausted, RetryPolicy } from './retry-policy';

const NOW = Date.UTC(2025, 0, 1, 12, 0, 0);
const policy: RetryPolicy = { baseMs: 1000, maxMs: 8000, maxAttempts: 3, maxElapsedMs: 60_000, maxRetryAfterMs: 30_000 };

describe('parseRetryAfter', () => {
  it('reads delay-seconds', () => {
    expect(parseRetryAfter('0', NOW)).toBe(0);
    expect(parseRetryAfter(' 120 ', NOW)).toBe(120_000);
  });

  it('reads an HTTP-date, a past one as now', () => {
    expect(parseRetryAfter('Wed, 01 Jan 2025 12:00:30 GMT', NOW)).toBe(30_000);
    expect(parseRetryAfter('Wed, 01 Jan 2025 11:00:00 GMT', NOW)).toBe(0);
    expect(parseRetryAfter('Wednesday, 01-Jan-25 12:00:05 GMT', NOW)).toBe(5000); // RFC 850, obsolete but allowed
  });

  it('ignores what it cannot read', () => {
    for (const v of [undefined, null, '', '-1', '1.5', 'soon', '2025-01-01T12:00:30Z', '99999999999']) {
      expect(parseRetryAfter(v, NOW)).toBeUndefined();
    }
  });
});

describe('nextGate', () => {
  it('backs off exponentially with jitter, capped', () => {
    const low = () => 0;
    const high = () => 1;
    let gate = nextGate(undefined, policy, NOW, undefined, high);
    expect(gate).toEqual({ failures: 1, notBeforeMs: NOW + 1000 });
    gate = nextGate(gate, policy, NOW, undefined, low);
    expect(gate).toEqual({ failures: 2, notBeforeMs: NOW + 1000 }); // half of 2000
    for (let i = 0; i < 5; i++) gate = nextGate(gate, policy, NOW, undefined, high);
    expect(gate.notBeforeMs).toBe(NOW + 8000);
  });

  it('waits at least the Retry-After, up to its cap', () => {
    expect(nextGate(undefined, policy, NOW, 20_000, () => 1).notBeforeMs).toBe(NOW + 20_000);
    expect(nextGate(undefined, policy, NOW, 3_600_000, () => 1).notBeforeMs).toBe(NOW + 30_000);
    expect(nextGate(undefined, policy, NOW, 0, () => 1).notBeforeMs).toBe(NOW + 1000);
  });
});

describe('retriesExhausted', () => {
  it('stops at the attempt bound or the time bound, whichever comes first', () => {
    expect(retriesExhausted(policy, 2, NOW, NOW + 1000)).toBe(false);
    expect(retriesExhausted(policy, 3, NOW, NOW + 1000)).toBe(true);
    expect(retriesExhausted(policy, 1, NOW, NOW + 60_000)).toBe(true);
    expect(retriesExhausted(policy, 0, undefined, NOW + 10_000_000)).toBe(false);
  });

  it('treats 0 as no bound', () => {
    expect(retriesExhausted({ ...policy, maxAttempts: 0 }, 1000, NOW, NOW + 1)).toBe(false);
    expect(retriesExhausted({ ...policy, maxElapsedMs: 0 }, 1, NOW, NOW + 1e9)).toBe(false);
  });
});
