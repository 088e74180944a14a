import { randomUUID } from 'node:crypto';
import { KafkaConnection } from './kafka-connection';
import { ConsumedRecord, consumedRecord } from './records';
import { TopicOffsets } from './topic-offsets';

/** Records [start, end) of one partition. */
export interface OffsetRange {
  readonly partition: number;
  readonly start: number;
  readonly end: number;
}

/** One fetched batch, cut to its partition's range. */
export interface RangeBatch {
  readonly partition: number;
  readonly records: ConsumedRecord[];
  /** The partition's range has now been read to its end. */
  readonly done: boolean;
}

/** Flow control for the batch handler, e.g. to hold back a partition that is ahead of the others. */
export interface RangeFlow {
  pause(partition: number): void;
  resume(partition: number): void;
}

export interface RangeReadOptions {
  /** Reject when no batch arrives for this long. Default 60 000. */
  readonly stallTimeoutMs?: number;
}

/**
 * Reads the given offset ranges of `topic` once, with a throwaway consumer
 * group that never commits and is deleted afterwards, handing every fetched
 * batch to `onBatch`. Resolves once every range is read to its end. Rejects
 * with ERR_KAFKA_UNAVAILABLE on a broker failure or a stall, and with the
 * handler's own error when it throws (a bug: not retried).
 */
export async function readRanges(conn: KafkaConnection, topic: string, ranges: readonly OffsetRange[],
  onBatch: (batch: RangeBatch, flow: RangeFlow) => void, o: RangeReadOptions = {}): Promise<void> {
  const left = new Map(ranges.filter((r) => r.end > r.start).map((r) => [r.partition, r]));
  if (left.size === 0) return;
  const groupId = `tw-range-reader-${randomUUID()}`;
  const consumer = conn.client.consumer({ groupId, maxWaitTimeInMs: 100, sessionTimeout: 30000, allowAutoTopicCreation: false });
  const flow: RangeFlow = {
    pause: (partition) => consumer.pause([{ topic, partitions: [partition] }]),
    resume: (partition) => consumer.resume([{ topic, partitions: [partition] }]),
  };
  let stall: NodeJS.Timeout | undefined;
  let failed = false;
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const finished = new Promise<void>((resolve, reject) => {
      const arm = () => {
        clearTimeout(stall);
        stall = setTimeout(() => reject(conn.unavailable(`read ${topic}`, new Error(
          `nothing arrived for ${o.stallTimeoutMs ?? 60000} ms, ${describe(left)} still to read`))), o.stallTimeoutMs ?? 60000);
      };
      arm();
      consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch, heartbeat }) => {
          const range = left.get(batch.partition);
          if (failed || !range) return flow.pause(batch.partition); // not wanted, or already read
          arm();
          const records: ConsumedRecord[] = [];
          for (const m of batch.messages) {
            const offset = Number(m.offset);
            if (offset >= range.start && offset < range.end) records.push(consumedRecord(topic, batch.partition, m));
          }
          const done = Number(batch.lastOffset()) >= range.end - 1;
          if (done) {
            left.delete(batch.partition);
            flow.pause(batch.partition);
          }
          try {
            onBatch({ partition: batch.partition, records, done }, flow);
          } catch (err) {
            failed = true; // returning normally keeps kafkajs from retrying the batch
            return reject(err);
          }
          if (left.size === 0) resolve();
          await heartbeat();
        },
      }).catch(reject);
    });
    for (const r of left.values()) consumer.seek({ topic, partition: r.partition, offset: String(r.start) });
    await finished;
  } catch (err) {
    if (failed || (err as { code?: string }).code === 'ERR_KAFKA_UNAVAILABLE') throw err;
    throw conn.unavailable(`read ${topic}`, err);
  } finally {
    clearTimeout(stall);
    await consumer.disconnect().catch(() => undefined);
    await new TopicOffsets(conn).deleteGroup(groupId).catch(() => undefined);
  }
}

function describe(left: Map<number, OffsetRange>): string {
  return [...left.values()].map((r) => `p${r.partition} [${r.start}, ${r.end})`).join(', ');
}
