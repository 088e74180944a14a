import { backoffDelayMs } from './backoff';

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
