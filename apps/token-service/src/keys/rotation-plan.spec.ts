import { rotationTimings } from '@tokenwarden/policy';
import { testPolicy } from '../testing/token-kit';
import { KeyTimeline, StoredKey } from './key-store';
import { planRotation } from './rotation-plan';

// 30-day period, 300 s cache, 900 s tokens, 30 s skew → publish 300 s ahead, retire 1230 s after.
const t = rotationTimings(testPolicy({ keys: { rotationPeriodDays: 30, jwksCacheSeconds: 300 } }));
const DAY = 86_400_000;
const key = (kid: string, phase: StoredKey['phase'], times: Partial<KeyTimeline> = {}): StoredKey =>
  ({ kid, alg: 'ES256', phase, publicJwk: { kty: 'EC' }, encryptedPrivateKey: '', createdAtMs: 0, ...times });

describe('planRotation', () => {
  it('bootstraps an empty key set', () => {
    expect(planRotation([], 0, t)).toEqual([{ do: 'bootstrap' }]);
  });

  it('publishes a successor exactly one cache lifetime before the period ends, to sign at the period end', () => {
    const active = key('a', 'active', { activatedAtMs: 0 });
    expect(planRotation([active], 30 * DAY - 300_001, t)).toEqual([]);
    expect(planRotation([active], 30 * DAY - 300_000, t)).toEqual([{ do: 'publish-successor', activateAfterMs: 30 * DAY }]);
  });

  it('a late tick still gives verifiers a full cache lifetime', () => {
    expect(planRotation([key('a', 'active', { activatedAtMs: 0 })], 40 * DAY, t))
      .toEqual([{ do: 'publish-successor', activateAfterMs: 40 * DAY + 300_000 }]);
  });

  it('activates the successor when due and deactivates the old key', () => {
    const keys = [key('a', 'active', { activatedAtMs: 0 }), key('b', 'published', { activateAfterMs: 30 * DAY })];
    expect(planRotation(keys, 30 * DAY - 1, t)).toEqual([]);
    expect(planRotation(keys, 30 * DAY, t)).toEqual([{ do: 'activate', kid: 'b', deactivate: 'a' }]);
  });

  it('retires a replaced key after token lifetime + tolerance + cache lifetime', () => {
    const keys = [key('b', 'active', { activatedAtMs: 1000 }), key('a', 'retiring', { deactivatedAtMs: 1000 })];
    expect(t.retireAfterSeconds).toBe(1230);
    expect(planRotation(keys, 1000 + 1_229_999, t)).toEqual([]);
    expect(planRotation(keys, 1000 + 1_230_000, t)).toEqual([{ do: 'retire', kid: 'a' }]);
  });

  it('with no signing key left, a published key signs at once', () => {
    expect(planRotation([key('a', 'retired'), key('b', 'published', { activateAfterMs: 9 * DAY })], DAY, t))
      .toEqual([{ do: 'activate', kid: 'b' }]);
  });
});
