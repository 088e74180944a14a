import { randomUUID } from 'node:crypto';
import { ConsumedRecord, KafkaConnection } from '@tokenwarden/kafka';
import type { KafkaMessage } from 'kafkajs';
import { DetectorError } from '../detector-error';

// The detector's reads of Kafka by offset and timestamp: what libs/kafka has
// no API for yet (to move there). The one place the detector touches kafkajs
// directly; callers only see offsets and ConsumedRecords.

/** Records [start, end) of one partition. */
export interface OffsetRange {
  readonly partition: number;
  readonly start: number;
  readonly end: number;
}

/** Where a replay reads and where the live consumer group resumes. */
export interface ReplayPlan {
  /** From the first record at or after the timestamp up to the group's committed offset. */
  readonly ranges: OffsetRange[];
  /** Partitions the group never committed: live consumption should start at `offset`. */
  readonly uncommitted: Array<{ partition: number; offset: number }>;
}

type Admin = ReturnType<KafkaConnection['client']['admin']>;

async function withAdmin<T>(conn: KafkaConnection, what: string, work: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = conn.client.admin();
  try {
    await admin.connect();
    return await work(admin);
  } catch (err) {
    if (err instanceof DetectorError) throw err;
    throw conn.unavailable(what, err);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Offsets of the first record at or after `timestampMs` (the log end when none), per partition. */
async function offsetsAt(admin: Admin, topic: string, timestampMs: number): Promise<Map<number, number>> {
  const at = await admin.fetchTopicOffsetsByTimestamp(topic, Math.max(0, Math.floor(timestampMs)));
  return new Map(at.map((o) => [o.partition, Number(o.offset)]));
}

/** Everything from `timestampMs` to the current end of `topic`. */
export function rangesSince(conn: KafkaConnection, topic: string, timestampMs: number): Promise<OffsetRange[]> {
  return withAdmin(conn, `read the offsets of ${topic}`, async (admin) => {
    const start = await offsetsAt(admin, topic, timestampMs);
    const high = await admin.fetchTopicOffsets(topic);
    return high.map((h) => ({ partition: h.partition, start: start.get(h.partition) ?? Number(h.high), end: Number(h.high) }));
  });
}

/**
 * The replay that rebuilds state for group `groupId`: per partition from the
 * first record at or after `timestampMs` up to (not including) the group's
 * committed offset, where live consumption will resume.
 */
export function planReplay(conn: KafkaConnection, topic: string, groupId: string, timestampMs: number): Promise<ReplayPlan> {
  return withAdmin(conn, `plan the replay of ${topic}`, async (admin) => {
    const start = await offsetsAt(admin, topic, timestampMs);
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const ranges: OffsetRange[] = [];
    const uncommitted: ReplayPlan['uncommitted'] = [];
    for (const p of committed.partitions) {
      const from = start.get(p.partition) ?? 0;
      const resume = Number(p.offset);
      if (resume < 0) uncommitted.push({ partition: p.partition, offset: from });
      else ranges.push({ partition: p.partition, start: Math.min(from, resume), end: resume });
    }
    return { ranges, uncommitted };
  });
}

/** Sets the committed offsets of a group with no members (a first start); false when the group is active. */
export function initGroupOffsets(conn: KafkaConnection, groupId: string, topic: string,
  offsets: ReplayPlan['uncommitted']): Promise<boolean> {
  if (offsets.length === 0) return Promise.resolve(true);
  return withAdmin(conn, `set the offsets of group ${groupId}`, async (admin) => {
    try {
      await admin.setOffsets({ groupId, topic, partitions: offsets.map((o) => ({ partition: o.partition, offset: String(o.offset) })) });
      return true;
    } catch (err) {
      if ((err as Error).name === 'KafkaJSNonRetriableError') return false;
      throw err;
    }
  });
}

export interface ReadOptions {
  /** Records buffered per partition before it is paused. */
  readonly maxBufferedPerPartition?: number;
  /** Give up when nothing arrives for this long. */
  readonly stallTimeoutMs?: number;
}

/**
 * Reads the given ranges with a throwaway consumer (no commits) and hands
 * the records to `onRecord` merged across partitions in timestamp order, so
 * a replay sees partitions advance together as they did live. Memory is
 * bounded: a partition that is ahead is paused until the others catch up.
 */
export async function readMerged(conn: KafkaConnection, topic: string, ranges: readonly OffsetRange[],
  onRecord: (r: ConsumedRecord) => void, o: ReadOptions = {}): Promise<number> {
  const wanted = new Map(ranges.filter((r) => r.end > r.start).map((r) => [r.partition, r]));
  if (wanted.size === 0) return 0;
  const merge = new Merger(wanted, onRecord, o.maxBufferedPerPartition ?? 5000);
  const groupId = `tw-replay-${randomUUID()}`;
  const consumer = conn.client.consumer({ groupId, maxWaitTimeInMs: 100, sessionTimeout: 30000, allowAutoTopicCreation: false });
  let stall: NodeJS.Timeout | undefined;
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const finished = new Promise<void>((resolve, reject) => {
      merge.onDone = resolve;
      merge.onError = reject;
      const arm = () => {
        clearTimeout(stall);
        stall = setTimeout(() => reject(new DetectorError('ERR_DETECTOR_REPLAY',
          `replay of ${topic} stalled: ${merge.describe()}`, true)), o.stallTimeoutMs ?? 60000);
      };
      merge.onProgress = arm;
      arm();
      consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch, heartbeat }) => {
          const paused = merge.add(batch.partition, batch.messages.map((m) => toRecord(topic, batch.partition, m)), Number(batch.lastOffset()));
          for (const p of paused.pause) consumer.pause([{ topic, partitions: [p] }]);
          for (const p of paused.resume) consumer.resume([{ topic, partitions: [p] }]);
          await heartbeat();
        },
      }).catch(reject);
    });
    for (const r of wanted.values()) consumer.seek({ topic, partition: r.partition, offset: String(r.start) });
    await finished;
    return merge.delivered;
  } catch (err) {
    if (err instanceof DetectorError) throw err;
    throw conn.unavailable(`replay ${topic}`, err);
  } finally {
    clearTimeout(stall);
    await consumer.disconnect().catch(() => undefined);
    await withAdmin(conn, 'delete the replay group', (admin) => admin.deleteGroups([groupId])).catch(() => undefined);
  }
}

/** k-way merge of per-partition buffers by record timestamp (then partition, then offset). */
class Merger {
  delivered = 0;
  onDone: () => void = () => undefined;
  onProgress: () => void = () => undefined;
  onError: (err: unknown) => void = () => undefined;
  private failed = false;
  private readonly buffers = new Map<number, { records: ConsumedRecord[]; head: number; ended: boolean; paused: boolean }>();

  constructor(private readonly wanted: Map<number, OffsetRange>, private readonly onRecord: (r: ConsumedRecord) => void,
    private readonly maxBuffered: number) {
    for (const p of wanted.keys()) this.buffers.set(p, { records: [], head: 0, ended: false, paused: false });
  }

  /** Buffers a fetched batch, delivers what can be ordered; returns partitions to pause or resume. */
  add(partition: number, records: ConsumedRecord[], lastOffset: number): { pause: number[]; resume: number[] } {
    const range = this.wanted.get(partition);
    const buf = this.buffers.get(partition);
    const out = { pause: [] as number[], resume: [] as number[] };
    if (!range || !buf || buf.ended) {
      out.pause.push(partition);
      return out;
    }
    for (const r of records) {
      const offset = Number(r.offset);
      if (offset >= range.start && offset < range.end) buf.records.push(r);
    }
    if (lastOffset >= range.end - 1) buf.ended = true;
    this.onProgress();
    this.drain();
    for (const [p, b] of this.buffers) {
      const pending = b.records.length - b.head;
      const shouldPause = b.ended || pending >= this.maxBuffered;
      if (shouldPause && !b.paused) out.pause.push(p);
      if (!shouldPause && b.paused) out.resume.push(p);
      b.paused = shouldPause;
    }
    return out;
  }

  describe(): string {
    return [...this.buffers].map(([p, b]) => `p${p}: ${b.ended ? 'done' : 'reading'}, ${b.records.length - b.head} buffered`).join('; ');
  }

  private drain(): void {
    while (!this.failed) {
      let best: number | undefined;
      let bestRecord: ConsumedRecord | undefined;
      for (const [p, b] of this.buffers) {
        const r = b.records[b.head];
        if (!r) {
          if (!b.ended) return; // cannot order past a partition that may still hold older records
          continue;
        }
        if (!bestRecord || r.timestampMs < bestRecord.timestampMs) {
          best = p;
          bestRecord = r;
        }
      }
      if (best === undefined || !bestRecord) return this.onDone();
      const b = this.buffers.get(best)!;
      b.head += 1;
      if (b.head > 1024 && b.head * 2 > b.records.length) {
        b.records = b.records.slice(b.head);
        b.head = 0;
      }
      this.delivered += 1;
      try {
        this.onRecord(bestRecord);
      } catch (err) {
        // A bug in the consumer of the replay: stop and report it instead of letting kafkajs retry the batch.
        this.failed = true;
        this.onError(err);
      }
    }
  }
}

function toRecord(topic: string, partition: number, m: KafkaMessage): ConsumedRecord {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(m.headers ?? {})) if (v !== undefined) headers[k] = Array.isArray(v) ? String(v[0]) : String(v);
  return { topic, partition, offset: m.offset, key: m.key, value: m.value, headers, timestampMs: Number(m.timestamp) };
}
