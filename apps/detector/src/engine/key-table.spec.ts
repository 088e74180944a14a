import { issued, subjectRef } from '../testing/event-kit';
import { oneRule, setup, T0 } from '../testing/engine-kit';
import { KeyTable } from './key-table';
import { hash32, readUuid, writeUuid } from './slot-ops';

const s = (seconds: number) => T0 + seconds * 1000;

function table(maxKeys: number, evicted: string[] = []): KeyTable {
  return new KeyTable({ ringSize: 4, evidenceSlots: 2, distinctSlots: 0, maxKeys, initialCapacity: 2,
    onEvict: (key, reason) => evicted.push(`${key}:${reason}`) });
}

describe('KeyTable', () => {
  it('evicts the least recently touched key when the cap is reached', () => {
    const evicted: string[] = [];
    const t = table(3, evicted);
    for (const k of ['a', 'b', 'c']) t.touch(k);
    t.touch('a'); // a is now the most recent; b the least
    t.touch('d');
    expect(evicted).toEqual(['b:cap']);
    expect(t.size).toBe(3);
    expect(['a', 'c', 'd'].map((k) => t.slotOf(k) >= 0)).toEqual([true, true, true]);
    expect(t.slotOf('b')).toBe(-1);
  });

  it('evicts idle keys from the least recent end and stops at the first active one', () => {
    const evicted: string[] = [];
    const t = table(10, evicted);
    // touch() may grow (replace) the arrays, so it runs before the array is read.
    const at = (key: string, ms: number) => {
      const slot = t.touch(key);
      t.newestMs[slot] = ms;
    };
    at('old1', 100);
    at('old2', 150);
    at('new', 900);
    expect(t.evictIdle(500)).toBe(2);
    expect(evicted).toEqual(['old1:idle', 'old2:idle']);
    expect(t.size).toBe(1);
  });

  it('reuses evicted slots and starts them empty', () => {
    const t = table(1);
    const slot = t.touch('a');
    t.counts[slot * t.ringSize] = 7;
    expect(t.touch('b')).toBe(slot);
    expect(t.counts[slot * t.ringSize]).toBe(0);
  });

  it('costs the same bytes per key whatever the traffic of each key', () => {
    const k = setup(oneRule({ threshold: 1000 }));
    const state = k.engine.states[0];
    for (let i = 0; i < 100; i++) k.feed(issued({ t: s(i), subject: `s${i}` }));
    const before = state.table.slabBytes();
    for (let i = 0; i < 5000; i++) k.feed(issued({ t: s(100 + i / 100), subject: 's1' }));
    expect(state.table.slabBytes()).toBe(before);
  });
});

describe('eviction in the engine', () => {
  it('caps tracked keys per rule and counts cap evictions', () => {
    const k = setup(oneRule(), { maxKeysPerRule: 3 });
    for (let i = 0; i < 5; i++) k.feed(issued({ t: s(i), subject: `s${i}` }));
    expect(k.engine.stats()[0]).toMatchObject({ trackedKeys: 3, evictedCap: 2 });
  });

  it('forgets quiet keys only after window + lateness + cool-down of event time', () => {
    const k = setup(oneRule()); // 60 + 60 + 60 s
    k.feed(issued({ t: s(0), subject: 'quiet' }), issued({ t: s(170), subject: 'busy' }));
    expect(k.engine.evictIdle()).toBe(0);
    k.feed(issued({ t: s(181), subject: 'busy' }));
    expect(k.engine.evictIdle()).toBe(1);
    expect(k.engine.stats()[0]).toMatchObject({ trackedKeys: 1, evictedIdle: 1 });
  });

  it('drops the incident of an evicted key with it', () => {
    const k = setup(oneRule(), { maxKeysPerRule: 1 });
    k.feed(issued({ t: s(0) }), issued({ t: s(1) }), issued({ t: s(2) }));
    expect(k.engine.stats()[0].incidents).toBe(1);
    k.feed(issued({ t: s(3), subject: 'other' }));
    expect(k.engine.stats()[0]).toMatchObject({ incidents: 0, trackedKeys: 1 });
    expect(k.engine.states[0].incidents.has(subjectRef('alice'))).toBe(false);
  });

  it('does not let a producer clock far in the future evict everyone', () => {
    const k = setup(oneRule(), { now: () => s(10), maxFutureMs: 60_000 });
    k.feed(issued({ t: s(5), subject: 'a' }), issued({ t: s(86400), subject: 'skewed' }));
    expect(k.engine.clockMs).toBe(s(70));
    expect(k.engine.evictIdle()).toBe(0);
  });
});

describe('slot encodings', () => {
  it('round-trips uuids through 16 bytes', () => {
    const id = '0f6a7c1e-2b4d-4c8e-9a1f-000000000001';
    const buf = new Uint8Array(32);
    writeUuid(buf, 16, id);
    expect(readUuid(buf, 16)).toBe(id);
  });

  it('hashes distinct values to 32 bits (FNV-1a)', () => {
    expect(hash32('')).toBe(0x811c9dc5);
    expect(hash32('a')).toBe(0xe40c292c);
    expect(hash32('203.0.113.1')).not.toBe(hash32('203.0.113.2'));
  });
});
