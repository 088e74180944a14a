// ATTACKS.md 22 (refresh rotation and reuse) plus the RFC 7009 and erasure paths.
import { FamilyGrant, RefreshFamilies, RotateResult } from './refresh-families';
import { T0, testPolicy } from '../testing/token-kit';

const grant: FamilyGrant = { clientId: 'web-app', subject: 'user-42', scopes: ['read'], audience: 'https://api.example', sessionId: 's-1' };

function setup(patch: Record<string, unknown> = {}) {
  const clock = { ms: T0 };
  const families = new RefreshFamilies(testPolicy(patch), () => clock.ms);
  return { clock, families, first: families.issue(grant) };
}
const rotated = (r: RotateResult) => {
  if (r.kind !== 'ROTATED') throw new Error(`expected ROTATED, got ${r.kind}`);
  return r;
};

describe('22. refresh rotation and reuse detection', () => {
  it('every refresh returns a new token bound to the same family and grant', () => {
    const { families, first } = setup();
    const r = rotated(families.rotate(first.token, 'web-app'));
    expect(r.token.token).not.toBe(first.token);
    expect(r).toMatchObject({ previousJti: first.jti, grant, token: { familyId: first.familyId } });
    expect(families.rotate(r.token.token, 'web-app').kind).toBe('ROTATED');
  });

  it('presenting a rotated token again revokes the whole family, including the newest token', () => {
    const { families, first } = setup();
    const second = rotated(families.rotate(first.token, 'web-app'));
    families.recordAccessToken(first.familyId, 'at-1', T0 / 1000 + 600);
    families.recordAccessToken(first.familyId, 'at-old', T0 / 1000 - 1);
    const reuse = families.rotate(first.token, 'web-app');
    expect(reuse).toEqual({ kind: 'REUSE_DETECTED', revocation: {
      familyId: first.familyId, grant, reason: 'REFRESH_REUSE', refreshJtis: [first.jti, second.token.jti], accessTokens: [{ jti: 'at-1', exp: T0 / 1000 + 600 }],
      expiresAtMs: T0 + testPolicy().refreshToken.lifetimeSeconds * 1000,
    } });
    expect(families.rotate(second.token.token, 'web-app')).toEqual({ kind: 'REVOKED', familyId: first.familyId });
    expect(families.rotate(first.token, 'web-app')).toEqual({ kind: 'REVOKED', familyId: first.familyId });
  });

  it('two concurrent refreshes with one token: exactly one succeeds', async () => {
    const { families, first } = setup();
    const results = await Promise.all([0, 1, 2, 3].map(() => Promise.resolve().then(() => families.rotate(first.token, 'web-app'))));
    expect(results.filter((r) => r.kind === 'ROTATED')).toHaveLength(1);
    expect(results.map((r) => r.kind)).toEqual(['ROTATED', 'REUSE_DETECTED', 'REVOKED', 'REVOKED']);
  });

  it.each([
    ['garbage', 'not-a-token'], ['right shape, unknown jti', `${'A'.repeat(22)}.${'B'.repeat(43)}`], ['empty', ''], ['huge', 'x'.repeat(1 << 20)],
  ])('%s → UNKNOWN, and the family is untouched', (_n, token) => {
    const { families, first } = setup();
    expect(families.rotate(token, 'web-app')).toEqual({ kind: 'UNKNOWN' });
    expect(families.rotate(first.token, 'web-app').kind).toBe('ROTATED');
  });

  it('a known jti with a wrong secret (jtis appear in events) is UNKNOWN and cannot trigger reuse', () => {
    const { families, first } = setup();
    rotated(families.rotate(first.token, 'web-app'));
    expect(families.rotate(`${first.jti}.${'C'.repeat(43)}`, 'web-app')).toEqual({ kind: 'UNKNOWN' });
    expect(families.size).toBe(1);
  });

  it('another client presenting the token → CLIENT_MISMATCH, nothing rotates', () => {
    const { families, first } = setup();
    expect(families.rotate(first.token, 'other-client')).toEqual({ kind: 'CLIENT_MISMATCH' });
    expect(families.rotate(first.token, 'web-app').kind).toBe('ROTATED');
  });

  it('idle timeout and absolute lifetime', () => {
    const { families, first, clock } = setup({ refreshToken: { lifetimeSeconds: 7200, idleTimeoutSeconds: 600 } });
    clock.ms += 599_000;
    const second = rotated(families.rotate(first.token, 'web-app'));
    clock.ms += 600_000;
    expect(families.rotate(second.token.token, 'web-app')).toEqual({ kind: 'EXPIRED', familyId: first.familyId });
    const fresh = families.issue(grant);
    let current = fresh.token;
    for (let i = 0; i < 20; i++) {
      clock.ms += 590_000;
      const r = families.rotate(current, 'web-app');
      if (r.kind !== 'ROTATED') {
        expect(r).toEqual({ kind: 'EXPIRED', familyId: fresh.familyId });
        expect(clock.ms - (T0 + 1_199_000)).toBeGreaterThanOrEqual(7_200_000);
        expect(clock.ms - (T0 + 1_199_000)).toBeLessThan(7_200_000 + 590_000);
        return;
      }
      current = r.token.token;
    }
    throw new Error('the absolute lifetime never ended the family');
  });

  it('undoRotation puts the old token back when the audit event could not be published', () => {
    const { families, first } = setup();
    const r = rotated(families.rotate(first.token, 'web-app'));
    expect(families.undoRotation(r)).toBe(true);
    expect(families.rotate(r.token.token, 'web-app')).toEqual({ kind: 'UNKNOWN' });
    expect(families.rotate(first.token, 'web-app').kind).toBe('ROTATED');
    expect(families.undoRotation(r)).toBe(false);
  });
});

describe('revocation and erasure', () => {
  it('RFC 7009: the owner revokes the family and its live access tokens; another client cannot', () => {
    const { families, first } = setup();
    families.recordAccessToken(first.familyId, 'at-1', T0 / 1000 + 600);
    expect(families.revokeByToken(first.token, 'other-client')).toBe('FOREIGN');
    expect(families.rotate(first.token, 'web-app').kind).toBe('ROTATED');
    const again = families.issue(grant);
    families.recordAccessToken(again.familyId, 'at-2', T0 / 1000 + 600);
    expect(families.revokeByToken(again.token, 'web-app')).toMatchObject({ reason: 'CLIENT_REQUEST', accessTokens: [{ jti: 'at-2' }] });
    expect(families.revokeByToken('garbage', 'web-app')).toBe('UNKNOWN');
  });

  it('erasing a subject revokes and forgets all its families', () => {
    const { families, first } = setup();
    families.issue({ ...grant, sessionId: 's-2' });
    const other = families.issue({ ...grant, subject: 'user-43' });
    expect(families.eraseSubject('user-42').map((r) => r.reason)).toEqual(['SUBJECT_ERASED', 'SUBJECT_ERASED']);
    expect(families.rotate(first.token, 'web-app')).toEqual({ kind: 'UNKNOWN' });
    expect(families.rotate(other.token, 'web-app').kind).toBe('ROTATED');
    expect(families.size).toBe(1);
  });

  it('prune drops families past their absolute lifetime', () => {
    const { families, clock } = setup();
    clock.ms += 1209600 * 1000;
    expect(families.prune()).toBe(1);
    expect(families.size).toBe(0);
  });

  it('undoRevocation lifts only that revocation; a reuse revocation stays in force', () => {
    const { families, first } = setup();
    const rev = families.revokeByToken(first.token, 'web-app');
    if (typeof rev === 'string') throw new Error(rev);
    expect(families.rotate(first.token, 'web-app').kind).toBe('REVOKED');
    families.undoRevocation(rev);
    const r = rotated(families.rotate(first.token, 'web-app'));
    const again = families.revokeByToken(r.token.token, 'web-app');
    if (typeof again === 'string') throw new Error(again);
    expect(families.rotate(first.token, 'web-app').kind).toBe('REVOKED');
    families.undoRevocation(again);
    expect(families.rotate(first.token, 'web-app').kind).toBe('REUSE_DETECTED');
    families.undoRevocation(again);
    expect(families.rotate(r.token.token, 'web-app').kind).toBe('REVOKED');
  });

  it('discard forgets a family that was never handed out', () => {
    const { families, first } = setup();
    families.discard(first.familyId);
    expect(families.rotate(first.token, 'web-app')).toEqual({ kind: 'UNKNOWN' });
    expect(families.size).toBe(0);
  });

  it('preview describes an erasure without applying it; eraseWhere applies it by start time', () => {
    const { clock, families, first } = setup();
    clock.ms += 1000;
    const later = families.issue({ ...grant, sessionId: 's-2' });
    const before = (_g: FamilyGrant, startedAtMs: number) => startedAtMs <= T0;
    expect(families.preview(before).map((r) => r.familyId)).toEqual([first.familyId]);
    expect(families.size).toBe(2);
    expect(families.eraseWhere(before).map((r) => [r.familyId, r.reason])).toEqual([[first.familyId, 'SUBJECT_ERASED']]);
    expect(families.rotate(later.token, 'web-app').kind).toBe('ROTATED');
  });
});
