import { ConsumedRecord, KafkaConnection, OffsetRange, PartitionOffset, readRanges, TopicOffsets } from '@tokenwarden/kafka';

// The detector's reads of Kafka by offset and timestamp, on libs/kafka's
// TopicOffsets and readRanges: what to replay, and the replay itself merged
// across partitions in timestamp order.

export type { OffsetRange };

/** Where a replay reads and where the live consumer group resumes. */
export interface ReplayPlan {
  /** From the first record at or after the timestamp up to the group's committed offset. */
  readonly ranges: OffsetRange[];
  /** Partitions the group never committed: live consumption should start at `offset`. */
  readonly uncommitted: PartitionOffset[];
}

/** Everything from `timestampMs` to the current end of `topic`. */
export async function rangesSince(conn: KafkaConnection, topic: string, timestampMs: number): Promise<OffsetRange[]> {
  const offsets = new TopicOffsets(conn);
  const start = byPartition(await offsets.atTimestamp(topic, timestampMs));
  const extents = await offsets.extents(topic);
  return extents.map((e) => ({ partition: e.partition, start: start.get(e.partition) ?? e.high, end: e.high }));
}

/**
 * The replay that rebuilds state for group `groupId`: per partition from the
 * first record at or after `timestampMs` up to (not including) the group's
 * committed offset, where live consumption will resume.
 */
export async function planReplay(conn: KafkaConnection, topic: string, groupId: string, timestampMs: number): Promise<ReplayPlan> {
  const offsets = new TopicOffsets(conn);
  const start = byPartition(await offsets.atTimestamp(topic, timestampMs));
  const ranges: OffsetRange[] = [];
  const uncommitted: PartitionOffset[] = [];
  for (const c of await offsets.committed(groupId, topic)) {
    const from = start.get(c.partition) ?? 0;
    if (c.offset < 0) uncommitted.push({ partition: c.partition, offset: from });
    else ranges.push({ partition: c.partition, start: Math.min(from, c.offset), end: c.offset });
  }
  return { ranges, uncommitted };
}

/** Sets the committed offsets of a group with no members (a first start); false when the group is active. */
export function initGroupOffsets(conn: KafkaConnection, groupId: string, topic: string, offsets: ReplayPlan['uncommitted']): Promise<boolean> {
  return new TopicOffsets(conn).setCommitted(groupId, topic, offsets);
}

export interface ReadOptions {
  /** Records buffered per partition before it is paused. */
  readonly maxBufferedPerPartition?: number;
  /** Give up when nothing arrives for this long. */
  readonly stallTimeoutMs?: number;
}

/**
 * Reads the given ranges (no commits) and hands the records to `onRecord`
 * merged across partitions in timestamp order, so a replay sees partitions
 * advance together as they did live. Memory is bounded: a partition that is
 * ahead is paused until the others catch up.
 */
export async function readMerged(conn: KafkaConnection, topic: string, ranges: readonly OffsetRange[],
  onRecord: (r: ConsumedRecord) => void, o: ReadOptions = {}): Promise<number> {
  const wanted = ranges.filter((r) => r.end > r.start);
  if (wanted.length === 0) return 0;
  const merge = new Merger(wanted.map((r) => r.partition), onRecord, o.maxBufferedPerPartition ?? 5000);
  await readRanges(conn, topic, wanted, (batch, flow) => {
    const held = merge.add(batch.partition, batch.records, batch.done);
    for (const p of held.pause) flow.pause(p);
    for (const p of held.resume) flow.resume(p);
  }, { stallTimeoutMs: o.stallTimeoutMs });
  return merge.delivered;
}

function byPartition(offsets: readonly PartitionOffset[]): Map<number, number> {
  return new Map(offsets.map((o) => [o.partition, o.offset]));
}

/** k-way merge of per-partition buffers by record timestamp (then partition order). */
class Merger {
  delivered = 0;
  private readonly buffers = new Map<number, { records: ConsumedRecord[]; head: number; ended: boolean; paused: boolean }>();

  constructor(partitions: readonly number[], private readonly onRecord: (r: ConsumedRecord) => void,
    private readonly maxBuffered: number) {
    for (const p of partitions) this.buffers.set(p, { records: [], head: 0, ended: false, paused: false });
  }

  /** Buffers a batch, delivers what can be ordered; returns the partitions to pause or resume. */
  add(partition: number, records: ConsumedRecord[], ended: boolean): { pause: number[]; resume: number[] } {
    const buf = this.buffers.get(partition);
    const out = { pause: [] as number[], resume: [] as number[] };
    if (!buf) return out;
    buf.records.push(...records);
    buf.ended = ended;
    this.drain();
    for (const [p, b] of this.buffers) {
      const shouldPause = b.ended || b.records.length - b.head >= this.maxBuffered;
      if (shouldPause && !b.paused) out.pause.push(p);
      if (!shouldPause && b.paused) out.resume.push(p);
      b.paused = shouldPause;
    }
    return out;
  }

  private drain(): void {
    for (;;) {
      let best: { records: ConsumedRecord[]; head: number } | undefined;
      for (const b of this.buffers.values()) {
        const r = b.records[b.head];
        if (!r) {
          if (!b.ended) return; // cannot order past a partition that may still hold older records
          continue;
        }
        if (!best || r.timestampMs < best.records[best.head].timestampMs) best = b;
      }
      if (!best) return;
      const record = best.records[best.head];
      best.head += 1;
      if (best.head > 1024 && best.head * 2 > best.records.length) {
        best.records = best.records.slice(best.head);
        best.head = 0;
      }
      this.delivered += 1;
      this.onRecord(record);
    }
  }
}
