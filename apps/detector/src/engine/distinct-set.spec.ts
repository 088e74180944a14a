import { KeyTable } from './key-table';
import { addDistinct, addToRing, distinctInWindow, hash32 } from './slot-ops';

/**
 * The bounded distinct set as one flat list of (hash, newest bucket) per
 * key, as it was before entry 0 moved into the slot and the rest into an
 * overflow block: the same answers are expected from both.
 */
class ReferenceSet {
  private readonly entries: Array<{ hash: number; bucket: number }> = [];
  private head = -Infinity;

  constructor(private readonly max: number) {}

  add(value: string, bucket: number, n: number): boolean {
    if (bucket > this.head) this.head = bucket;
    const h = hash32(value);
    const windowStart = this.head - n + 1;
    const have = this.entries.find((e) => e.hash === h);
    if (have) {
      const wasIn = have.bucket >= windowStart;
      have.bucket = Math.max(have.bucket, bucket);
      return !wasIn && have.bucket >= windowStart;
    }
    if (this.entries.length < this.max) this.entries.push({ hash: h, bucket });
    else {
      const oldest = this.entries.reduce((o, e, i) => (e.bucket < this.entries[o].bucket ? i : o), 0);
      if (this.entries[oldest].bucket >= windowStart) return false;
      this.entries[oldest] = { hash: h, bucket };
    }
    return bucket >= windowStart;
  }

  count(n: number): number {
    return this.entries.filter((e) => e.bucket >= this.head - n + 1).length;
  }
}

// Deterministic pseudo-random sequence (the test must give the same answer every run).
function lcg(seed: number): () => number {
  let x = seed;
  return () => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return x / 2 ** 32;
  };
}

const table = (maxKeys: number, distinctSlots: number, onEvict?: (key: string) => void) => new KeyTable({
  ringSize: 12, evidenceSlots: 0, distinctSlots, maxKeys, initialCapacity: 2, onEvict,
});

describe('distinct sets (entry 0 in the slot, the rest in an overflow block)', () => {
  it.each([1, 2, 5, 16])('give the same answers and counts as one flat list, with at most %i values per key, across evictions', (maxDistinct) => {
    const n = 10;
    const reference = new Map<string, ReferenceSet>();
    // 6 keys over 4 slots: keys are evicted and come back, so slots and overflow blocks are reused.
    const t = table(4, maxDistinct, (key) => reference.delete(key));
    const rnd = lcg(maxDistinct);
    const answers: Array<[boolean, number]> = [];
    const expected: Array<[boolean, number]> = [];
    let crossed = 0;
    for (let i = 0; i < 20_000; i++) {
      const key = `jti-${Math.floor(rnd() * 6)}`;
      const value = `203.0.113.${Math.floor(rnd() * 24)}`;
      const bucket = Math.floor(i / 40) - Math.floor(rnd() * 3); // a little disorder, within the ring
      const slot = t.touch(key);
      addToRing(t, slot, bucket, bucket);
      answers.push([addDistinct(t, slot, value, bucket, n), distinctInWindow(t, slot, n)]);
      const ref = reference.get(key) ?? new ReferenceSet(maxDistinct);
      reference.set(key, ref);
      expected.push([ref.add(value, bucket, n), ref.count(n)]);
      if (ref.count(n) >= Math.min(5, maxDistinct)) crossed += 1;
    }
    expect(answers).toEqual(expected);
    expect(crossed).toBeGreaterThan(100); // the counts went across a threshold of 5 (or the cap) many times
  });

  it('hands an evicted key\'s overflow block to the next key, empty', () => {
    const t = table(1, 4);
    const first = t.touch('a');
    addToRing(t, first, 0, 0);
    for (const ip of ['ip1', 'ip2', 'ip3']) addDistinct(t, first, ip, 0, 10);
    expect(distinctInWindow(t, first, 10)).toBe(3);
    const bytes = t.slabBytes();
    for (let i = 0; i < 100; i++) {
      const slot = t.touch(`k${i}`); // evicts the previous key (cap 1)
      addToRing(t, slot, 0, 0);
      expect(distinctInWindow(t, slot, 10)).toBe(0);
      for (const ip of ['ip1', 'ip2', 'ip3', 'ip4', 'ip5']) addDistinct(t, slot, ip, 0, 10);
      expect(distinctInWindow(t, slot, 10)).toBe(4);
    }
    expect(t.slabBytes()).toBe(bytes);
  });

  it('takes an overflow block only when a key sees a second value', () => {
    const t = table(1000, 16);
    for (let i = 0; i < 1000; i++) {
      const slot = t.touch(`jti-${i}`);
      addToRing(t, slot, 0, 0);
      addDistinct(t, slot, '203.0.113.1', 0, 10);
      addDistinct(t, slot, '203.0.113.1', 0, 10);
    }
    expect(t.overflowHash.length).toBe(0);
    addDistinct(t, t.touch('jti-7'), '203.0.113.2', 0, 10);
    expect(t.overflowHash.length).toBeGreaterThan(0);
    expect(distinctInWindow(t, t.slotOf('jti-7'), 10)).toBe(2);
  });
});
