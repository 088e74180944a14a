import { KeyTable, UUID_BYTES } from './key-table';

// Operations on one slot of a KeyTable: the sub-bucket ring, the evidence
// ring and the bounded distinct set. Bucket numbers are absolute
// (floor(event_time / bucketMs)); ring position is bucket mod ringSize.

// Buckets are non-negative for any event after 1970; the slow path keeps earlier ones correct.
const mod = (a: number, n: number): number => (a >= 0 ? a % n : ((a % n) + n) % n);

/**
 * Adds one event at absolute sub-bucket `bucket`, moving the ring forward
 * when it is newer than the head (buckets passed over are cleared).
 * The caller has checked that `bucket` is still inside the ring.
 */
export function addToRing(t: KeyTable, slot: number, bucket: number, eventMs: number): void {
  const r = t.ringSize;
  const base = slot * r;
  const head = t.headBucket[slot];
  if (bucket > head) {
    const clear = head === -Infinity ? r : Math.min(r, bucket - head);
    for (let i = 0; i < clear; i++) t.counts[base + mod(bucket - i, r)] = 0;
    t.headBucket[slot] = bucket;
  }
  t.counts[base + mod(bucket, r)] += 1;
  if (eventMs > t.newestMs[slot]) t.newestMs[slot] = eventMs;
}

/** Oldest absolute bucket still held by the slot's ring. */
export const ringStart = (t: KeyTable, slot: number): number => t.headBucket[slot] - t.ringSize + 1;

/** Events in the `n` sub-buckets ending at absolute bucket `end` (buckets the ring no longer holds count 0). */
export function windowSum(t: KeyTable, slot: number, end: number, n: number): number {
  const r = t.ringSize;
  const base = slot * r;
  const head = t.headBucket[slot];
  const from = Math.max(end - n + 1, head - r + 1);
  const to = Math.min(end, head);
  let sum = 0;
  // One modulo, then the ring position wraps by hand (runs per event and rule).
  for (let b = from, at = mod(from, r); b <= to; b++) {
    sum += t.counts[base + at];
    if (++at === r) at = 0;
  }
  return sum;
}

/** A window count and the absolute sub-bucket the window ends with. */
export interface WindowCount {
  count: number;
  end: number;
}

/**
 * For an event in `bucket`: the first n-bucket window containing it (ending
 * no later than the head) whose count reaches `threshold`, else the largest
 * such window. For an in-order event (bucket = head) that is the one window
 * ending at the head; an event that arrives late can complete an earlier one.
 * Written into `out` (one object per rule, not one per event).
 */
export function windowFor(t: KeyTable, slot: number, bucket: number, n: number, threshold: number, out: WindowCount): WindowCount {
  const last = Math.min(t.headBucket[slot], bucket + n - 1);
  out.count = 0;
  out.end = bucket;
  for (let end = bucket; end <= last; end++) {
    const count = windowSum(t, slot, end, n);
    if (count >= threshold || count > out.count) {
      out.count = count;
      out.end = end;
      if (count >= threshold) break;
    }
  }
  return out;
}

/** Start (ms) of the oldest non-empty sub-bucket in the n-bucket window ending at `end`. */
export function oldestBucketStartMs(t: KeyTable, slot: number, end: number, n: number, bucketMs: number): number {
  const r = t.ringSize;
  const from = Math.max(end - n + 1, t.headBucket[slot] - r + 1);
  for (let b = from; b <= end; b++) if (t.counts[slot * r + mod(b, r)] > 0) return b * bucketMs;
  return end * bucketMs;
}

// ------------------------------------------------------------- evidence

const TWO_32 = 2 ** 32;

export function pushEvidence(t: KeyTable, slot: number, eventId: string, eventMs: number): void {
  const e = t.evidenceSlots;
  if (e === 0) return;
  const pos = t.evidencePos[slot];
  parsed(eventId);
  // Four word stores, not TypedArray.set (a builtin call for 16 bytes).
  const at = (slot * e + pos) * 4;
  t.evidenceWords[at] = scratchWords[0];
  t.evidenceWords[at + 1] = scratchWords[1];
  t.evidenceWords[at + 2] = scratchWords[2];
  t.evidenceWords[at + 3] = scratchWords[3];
  t.evidenceTimes[slot * e + pos] = eventMs % TWO_32;
  t.evidencePos[slot] = (pos + 1) % e;
  if (t.evidenceLen[slot] < e) t.evidenceLen[slot] += 1;
}

/** Evidence ids with event_time in [sinceMs, untilMs), oldest first (by event time). */
export function readEvidence(t: KeyTable, slot: number, sinceMs: number, untilMs: number): Array<{ id: string; timeMs: number }> {
  const e = t.evidenceSlots;
  const out: Array<{ id: string; timeMs: number }> = [];
  for (let i = 0; i < t.evidenceLen[slot]; i++) {
    const at = slot * e + i;
    // Stored modulo 2^32 ms (49 days); evidence is never older than the key's newest event by that much.
    const timeMs = t.newestMs[slot] - ((t.newestMs[slot] % TWO_32) - t.evidenceTimes[at] + TWO_32) % TWO_32;
    if (timeMs >= sinceMs && timeMs < untilMs) out.push({ id: readUuid(t.evidenceIds, at * UUID_BYTES), timeMs });
  }
  return out.sort((a, b) => a.timeMs - b.timeMs || (a.id < b.id ? -1 : 1));
}

// Every rule an event matches looks its id up: parse it once per event.
const scratch = new Uint8Array(UUID_BYTES);
const scratchWords = new Int32Array(scratch.buffer);
let scratchId = '';

function parsed(eventId: string): void {
  if (eventId !== scratchId) {
    writeUuid(scratch, 0, eventId);
    scratchId = eventId;
  }
}

/** True when `eventId` is among the slot's evidence ids: a redelivered event, not a new one. */
export function hasEvidence(t: KeyTable, slot: number, eventId: string): boolean {
  parsed(eventId);
  const e = t.evidenceSlots;
  const w = t.evidenceWords;
  const w0 = scratchWords[0], w1 = scratchWords[1], w2 = scratchWords[2], w3 = scratchWords[3];
  for (let i = 0, len = t.evidenceLen[slot]; i < len; i++) {
    const at = (slot * e + i) * 4;
    if (w[at] === w0 && w[at + 1] === w1 && w[at + 2] === w2 && w[at + 3] === w3) return true;
  }
  return false;
}

const HEX = '0123456789abcdef';

/** Writes a canonical lowercase uuid (as the codec guarantees) as 16 bytes. */
export function writeUuid(into: Uint8Array, at: number, uuid: string): void {
  let j = 0;
  for (let i = 0; i < uuid.length && j < UUID_BYTES; i++) {
    const c = uuid.charCodeAt(i);
    if (c === 45) continue; // '-'
    into[at + j++] = (nibble(c) << 4) | nibble(uuid.charCodeAt(++i));
  }
}

export function readUuid(from: Uint8Array, at: number): string {
  let s = '';
  for (let j = 0; j < UUID_BYTES; j++) {
    if (j === 4 || j === 6 || j === 8 || j === 10) s += '-';
    s += HEX[from[at + j] >> 4] + HEX[from[at + j] & 15];
  }
  return s;
}

const nibble = (c: number): number => (c <= 57 ? c - 48 : (c | 32) - 87);

// ------------------------------------------------------------- distinct

/** 32-bit FNV-1a: the distinct set stores value hashes, not values (collisions can only undercount). */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

// Entry 0 of a slot's distinct set lives in the slot; entries 1.. in its overflow block, at `base + i` (KeyTable.overflowBase).
const hashAt = (t: KeyTable, slot: number, base: number, i: number): number => (i === 0 ? t.distinctHash[slot] : t.overflowHash[base + i]);
const bucketAt = (t: KeyTable, slot: number, base: number, i: number): number => (i === 0 ? t.distinctBucket[slot] : t.overflowBucket[base + i]);

function setEntry(t: KeyTable, slot: number, base: number, i: number, hash: number, bucket: number): void {
  if (i === 0) {
    t.distinctHash[slot] = hash;
    t.distinctBucket[slot] = bucket;
  } else {
    t.overflowHash[base + i] = hash;
    t.overflowBucket[base + i] = bucket;
  }
}

/**
 * Records `value` seen at `bucket`. Returns true when it is new to the
 * window of n buckets ending at the head. When the set is full, the entry
 * seen longest ago makes room if it left the window; otherwise the value is
 * not stored (the count saturates at distinctSlots).
 */
export function addDistinct(t: KeyTable, slot: number, value: string, bucket: number, n: number): boolean {
  const d = t.distinctSlots;
  const h = hash32(value);
  const windowStart = t.headBucket[slot] - n + 1;
  const len = t.distinctLen[slot];
  let base = t.overflowBase(slot);
  let oldest = -1;
  let oldestBucket = 0;
  for (let i = 0; i < len; i++) {
    const seen = bucketAt(t, slot, base, i);
    if (hashAt(t, slot, base, i) === h) {
      const wasIn = seen >= windowStart;
      const newest = bucket > seen ? bucket : seen;
      if (bucket > seen) setEntry(t, slot, base, i, h, bucket);
      return !wasIn && newest >= windowStart;
    }
    if (oldest < 0 || seen < oldestBucket) {
      oldest = i;
      oldestBucket = seen;
    }
  }
  let at = len;
  if (len === d) {
    if (oldestBucket >= windowStart) return false;
    at = oldest;
  } else {
    t.distinctLen[slot] = len + 1;
    if (len === 1) base = t.takeOverflow(slot);
  }
  setEntry(t, slot, base, at, h, bucket);
  return bucket >= windowStart;
}

/** Distinct values seen in the n buckets ending at the head. */
export function distinctInWindow(t: KeyTable, slot: number, n: number): number {
  const base = t.overflowBase(slot);
  const windowStart = t.headBucket[slot] - n + 1;
  let c = 0;
  for (let i = 0, len = t.distinctLen[slot]; i < len; i++) if (bucketAt(t, slot, base, i) >= windowStart) c++;
  return c;
}
