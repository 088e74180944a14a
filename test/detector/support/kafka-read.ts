import { Alert, decode } from '@tokenwarden/events';
import { Admin, Kafka, logLevel } from 'kafkajs';

/** A raw kafkajs client, independent of the code under test: the tests' own view of Kafka. */
export function rawKafka(brokers: string[]): Kafka {
  return new Kafka({ brokers, clientId: 'detector-test', logLevel: logLevel.NOTHING });
}

export async function withAdmin<T>(kafka: Kafka, work: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect();
  }
}

/** True when `groupId` has committed the end of every partition of `topic`: all of it handled. */
export async function caughtUp(kafka: Kafka, groupId: string, topic: string): Promise<boolean> {
  return withAdmin(kafka, async (admin) => {
    const end = await admin.fetchTopicOffsets(topic);
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return end.every((e) => Number(committed.partitions.find((p) => p.partition === e.partition)?.offset ?? -1) === Number(e.high));
  });
}

export interface AlertRecord {
  key: string;
  alert: Alert;
}

/** Every record of an alerts topic up to its current end, decoded. */
export async function readAlerts(kafka: Kafka, topic: string, timeoutMs = 30000): Promise<AlertRecord[]> {
  const end = await withAdmin(kafka, (admin) => admin.fetchTopicOffsets(topic));
  const remaining = end.reduce((sum, e) => sum + Number(e.high) - Number(e.low), 0);
  if (remaining === 0) return [];
  const consumer = kafka.consumer({ groupId: `reader-${topic}-${process.hrtime.bigint()}`, maxWaitTimeInMs: 100 });
  const out: AlertRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${out.length}/${remaining} records of ${topic}`)), timeoutMs);
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          const high = Number(end.find((e) => e.partition === partition)!.high);
          if (Number(message.offset) >= high) return;
          const e = decode(message.value!);
          if (e.type !== 'Alert') throw new Error(`${topic} holds a ${e.type}`);
          out.push({ key: message.key!.toString('utf8'), alert: e.value });
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
