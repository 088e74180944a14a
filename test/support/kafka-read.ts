import { ConsumedRecord } from '@tokenwarden/kafka';
import { Admin, Kafka, logLevel } from 'kafkajs';

/** A raw kafkajs client, independent of the code under test: the tests' own view of Kafka. */
export function rawKafka(brokers: string[]): Kafka {
  return new Kafka({ brokers, clientId: 'tokenwarden-test', logLevel: logLevel.NOTHING });
}

/** Runs `work` with a connected admin client of `kafka`, disconnected afterwards. */
export async function withAdmin<T>(kafka: Kafka, work: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect();
  }
}

/** Offsets per partition: the next offset to read (the log end, or the group's committed position). */
export type Offsets = Map<number, number>;

export async function endOffsets(admin: Admin, topic: string): Promise<Offsets> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return new Map(offsets.map((o) => [o.partition, Number(o.high)]));
}

/** The group's committed offsets; a partition without a commit counts as 0. */
export async function committedOffsets(admin: Admin, groupId: string, topic: string): Promise<Offsets> {
  const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return new Map(t.partitions.map((p) => [p.partition, Math.max(0, Number(p.offset))]));
}

export const sameOffsets = (a: Offsets, b: Offsets): boolean =>
  a.size === b.size && [...a].every(([p, o]) => b.get(p) === o);

/** Every record of `topic` up to its current end, read with a throwaway consumer. */
export async function readAll(kafka: Kafka, topic: string, timeoutMs = 30000): Promise<ConsumedRecord[]> {
  const end = await withAdmin(kafka, (admin) => endOffsets(admin, topic));
  const remaining = [...end.values()].reduce((a, b) => a + b, 0);
  if (remaining === 0) return [];
  const consumer = kafka.consumer({ groupId: `reader-${topic}-${process.hrtime.bigint()}`, maxWaitTimeInMs: 100 });
  const out: ConsumedRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${out.length}/${remaining} records of ${topic}`)), timeoutMs);
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          if (Number(message.offset) >= (end.get(partition) ?? 0)) return;
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(message.headers ?? {})) if (v !== undefined) headers[k] = String(v);
          out.push({ topic, partition, offset: message.offset, key: message.key, value: message.value, headers, timestampMs: Number(message.timestamp) });
          if (out.length >= remaining) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return out;
}
