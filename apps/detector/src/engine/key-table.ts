export type EvictionReason = 'idle' | 'cap';

export interface KeyTableOptions {
  /** Sub-buckets kept per key (window plus lateness). */
  readonly ringSize: number;
  /** Most recent event ids kept per key, as evidence for the alert that key may raise. */
  readonly evidenceSlots: number;
  /** Distinct values tracked per key (0 for counting rules). */
  readonly distinctSlots: number;
  /** Hard cap on tracked keys; the least recently touched key is evicted beyond it. */
  readonly maxKeys: number;
  readonly initialCapacity?: number;
  /** Told before a key's slot is reused, so owners drop what they keep beside it. */
  readonly onEvict?: (key: string, reason: EvictionReason) => void;
}

const NONE = -1;
export const UUID_BYTES = 16;

/**
 * Per-key state in flat typed arrays ("slots"), so every tracked key costs the
 * same fixed number of bytes whatever its traffic: a ring of sub-bucket
 * counts, the newest event time, a few evidence ids (16 bytes each) and, for
 * distinct rules, a small set of (value hash, last bucket) pairs: its first
 * entry in the slot, the others in an overflow block taken only when the key
 * sees a second value (most tokens are seen from one address). A Map finds
 * a key's slot; a doubly linked list in two Int32Arrays orders slots by last
 * touch, so idle and over-cap keys are evicted from its tail in O(1) each.
 * Arrays grow by doubling up to maxKeys; they never shrink.
 */
export class KeyTable {
  readonly ringSize: number;
  readonly evidenceSlots: number;
  readonly distinctSlots: number;
  counts!: Uint32Array;
  /** Absolute index of each slot's newest sub-bucket. */
  headBucket!: Float64Array;
  /** event_time of the newest event seen for the key (ms). */
  newestMs!: Float64Array;
  evidenceIds!: Uint8Array;
  /** The same bytes as 32-bit words (16-byte ids, 4-byte aligned): 4 compares per id. */
  evidenceWords!: Int32Array;
  /** Low 32 bits of each evidence event_time (ms); full times are recovered from newestMs. */
  evidenceTimes!: Uint32Array;
  /** Next evidence position and number of filled positions. */
  evidencePos!: Uint8Array;
  evidenceLen!: Uint8Array;
  /** Distinct entry 0 of each slot: (value hash, newest bucket seen). */
  distinctHash!: Uint32Array;
  distinctBucket!: Float64Array;
  distinctLen!: Uint8Array;
  /** Overflow block of each slot, plus one (0: none): entries 1.. of block b are at b * (distinctSlots - 1) + entry - 1. */
  distinctBlock!: Int32Array;
  overflowHash = new Uint32Array(0);
  overflowBucket = new Float64Array(0);
  private overflowBlocks = 0;
  private overflowUsed = 0;
  private overflowFree: number[] = [];
  private prev!: Int32Array;
  private next!: Int32Array;
  private keys: Array<string | undefined> = [];
  private readonly index = new Map<string, number>();
  private free: number[] = [];
  private capacity = 0;
  private used = 0;
  private head = NONE; // most recently touched
  private tail = NONE; // least recently touched

  constructor(private readonly o: KeyTableOptions) {
    if (o.ringSize < 1 || o.ringSize > 4096 || o.evidenceSlots > 255 || o.distinctSlots > 255 || o.maxKeys < 1) {
      throw new RangeError('KeyTable: ringSize 1-4096, evidenceSlots and distinctSlots <= 255, maxKeys >= 1');
    }
    this.ringSize = o.ringSize;
    this.evidenceSlots = o.evidenceSlots;
    this.distinctSlots = o.distinctSlots;
    this.grow(Math.min(o.maxKeys, o.initialCapacity ?? 1024));
  }

  get size(): number {
    return this.index.size;
  }

  slotOf(key: string): number {
    return this.index.get(key) ?? NONE;
  }

  keyAt(slot: number): string | undefined {
    return this.keys[slot];
  }

  /**
   * The slot of `key`, created (evicting the least recently touched key when
   * full); marks it most recently touched. Pass `known` (from slotOf) to skip
   * a second lookup.
   */
  touch(key: string, known = this.slotOf(key)): number {
    let slot: number = known;
    if (slot < 0) {
      slot = this.allocate();
      this.keys[slot] = key;
      this.index.set(key, slot);
      this.reset(slot);
      this.linkFront(slot);
    } else if (slot !== this.head) {
      this.unlink(slot);
      this.linkFront(slot);
    }
    return slot;
  }

  /**
   * Evicts keys from the least recently touched end while their newest event
   * is older than `beforeMs`; stops at the first key that is not. Returns how many went.
   */
  evictIdle(beforeMs: number, max = Number.MAX_SAFE_INTEGER): number {
    let n = 0;
    while (this.tail !== NONE && n < max && this.newestMs[this.tail] < beforeMs) {
      this.evict(this.tail, 'idle');
      n += 1;
    }
    return n;
  }

  /** Index before entry 1 of the slot's overflow block (entry i >= 1 is at the result + i); meaningful once it has one. */
  overflowBase(slot: number): number {
    return (this.distinctBlock[slot] - 1) * (this.distinctSlots - 1) - 1;
  }

  /** overflowBase, taking a block first when the slot has none yet (it is about to hold its second entry). */
  takeOverflow(slot: number): number {
    if (this.distinctBlock[slot] === 0) this.distinctBlock[slot] = (this.overflowFree.pop() ?? this.newOverflowBlock()) + 1;
    return this.overflowBase(slot);
  }

  /** Approximate bytes held by the typed arrays (the Map and key strings come on top). */
  slabBytes(): number {
    const arrays = [this.counts, this.headBucket, this.newestMs, this.evidenceIds, this.evidenceTimes, this.evidencePos,
      this.evidenceLen, this.distinctHash, this.distinctBucket, this.distinctLen, this.distinctBlock, this.overflowHash, this.overflowBucket,
      this.prev, this.next];
    return arrays.reduce((sum, a) => sum + a.byteLength, 0) + this.capacity * 8;
  }

  private allocate(): number {
    const reused = this.free.pop();
    if (reused !== undefined) return reused;
    if (this.used === this.capacity) {
      if (this.capacity < this.o.maxKeys) this.grow(Math.min(this.o.maxKeys, this.capacity * 2));
      else {
        const victim = this.tail;
        this.evict(victim, 'cap');
        return this.free.pop()!;
      }
    }
    return this.used++;
  }

  private evict(slot: number, reason: EvictionReason): void {
    const key = this.keys[slot]!;
    this.o.onEvict?.(key, reason);
    this.unlink(slot);
    this.index.delete(key);
    if (this.distinctSlots > 0 && this.distinctBlock[slot] > 0) {
      this.overflowFree.push(this.distinctBlock[slot] - 1);
      this.distinctBlock[slot] = 0;
    }
    this.keys[slot] = undefined;
    this.free.push(slot);
  }

  private reset(slot: number): void {
    this.counts.fill(0, slot * this.ringSize, (slot + 1) * this.ringSize);
    this.headBucket[slot] = -Infinity;
    this.newestMs[slot] = -Infinity;
    this.evidencePos[slot] = 0;
    this.evidenceLen[slot] = 0;
    this.distinctLen[slot] = 0;
  }

  private linkFront(slot: number): void {
    this.prev[slot] = NONE;
    this.next[slot] = this.head;
    if (this.head !== NONE) this.prev[this.head] = slot;
    this.head = slot;
    if (this.tail === NONE) this.tail = slot;
  }

  private unlink(slot: number): void {
    const p = this.prev[slot];
    const n = this.next[slot];
    if (p !== NONE) this.next[p] = n;
    else this.head = n;
    if (n !== NONE) this.prev[n] = p;
    else this.tail = p;
  }

  private grow(capacity: number): void {
    const { ringSize: r, evidenceSlots: e, distinctSlots: d } = this;
    const copy = <T extends Float64Array | Uint32Array | Uint8Array | Int32Array>(old: T | undefined, make: (n: number) => T, per: number): T => {
      const next = make(capacity * per);
      if (old) next.set(old);
      return next;
    };
    this.counts = copy(this.counts, (n) => new Uint32Array(n), r);
    this.headBucket = copy(this.headBucket, (n) => new Float64Array(n), 1);
    this.newestMs = copy(this.newestMs, (n) => new Float64Array(n), 1);
    this.evidenceIds = copy(this.evidenceIds, (n) => new Uint8Array(n), e * UUID_BYTES);
    this.evidenceWords = new Int32Array(this.evidenceIds.buffer, this.evidenceIds.byteOffset, this.evidenceIds.length >> 2);
    this.evidenceTimes = copy(this.evidenceTimes, (n) => new Uint32Array(n), e);
    this.evidencePos = copy(this.evidencePos, (n) => new Uint8Array(n), 1);
    this.evidenceLen = copy(this.evidenceLen, (n) => new Uint8Array(n), 1);
    const inline = Math.min(d, 1);
    this.distinctHash = copy(this.distinctHash, (n) => new Uint32Array(n), inline);
    this.distinctBucket = copy(this.distinctBucket, (n) => new Float64Array(n), inline);
    this.distinctLen = copy(this.distinctLen, (n) => new Uint8Array(n), 1);
    this.distinctBlock = copy(this.distinctBlock, (n) => new Int32Array(n), inline);
    this.prev = copy(this.prev, (n) => new Int32Array(n), 1);
    this.next = copy(this.next, (n) => new Int32Array(n), 1);
    this.keys.length = capacity;
    this.capacity = capacity;
  }

  /** A block never used before; the pool doubles (up to one block per slot) when full. */
  private newOverflowBlock(): number {
    if (this.overflowUsed === this.overflowBlocks) {
      const per = this.distinctSlots - 1;
      const blocks = Math.min(this.o.maxKeys, Math.max(64, this.overflowBlocks * 2));
      const hash = new Uint32Array(blocks * per);
      const bucket = new Float64Array(blocks * per);
      hash.set(this.overflowHash);
      bucket.set(this.overflowBucket);
      this.overflowHash = hash;
      this.overflowBucket = bucket;
      this.overflowBlocks = blocks;
    }
    return this.overflowUsed++;
  }
}
