import { RevocationSet } from './revocation-set';

describe('RevocationSet', () => {
  it('revocations by (iss, jti); a shorter record never shortens an entry; tombstones remove', () => {
    const set = new RevocationSet(1000);
    set.addRevocation('https://id', 'j1', 5000);
    set.addRevocation('https://id', 'j1', 100);
    expect([set.isRevoked('https://id', 'j1'), set.isRevoked('https://id/', 'j1'), set.isRevoked('https://id', 'j2')]).toEqual([true, false, false]);
    expect(set.expiredKeys(4999)).toEqual([]);
    expect(set.expiredKeys(5000)).toEqual(['https://id j1']);
    set.remove('https://id j1');
    expect(set.isRevoked('https://id', 'j1')).toBe(false);
  });

  it('erasure markers refuse tokens issued up to the erasure second, and expire after their retention', () => {
    const set = new RevocationSet(60_000);
    set.addErasure('ref', 10_500);
    expect([set.isErased('ref', 9), set.isErased('ref', 10), set.isErased('ref', 11), set.isErased('other', 1)]).toEqual([true, true, false, false]);
    set.addErasure('ref', 5_000);
    expect(set.isErased('ref', 10)).toBe(true);
    expect(set.expiredKeys(70_499)).toEqual([]);
    expect(set.expiredKeys(70_500)).toEqual(['erased ref']);
    expect(set.size).toBe(1);
  });
});
