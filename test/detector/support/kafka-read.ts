import { Alert, decode } from '@tokenwarden/events';
import { Kafka } from 'kafkajs';
import { readAll, withAdmin } from '../../support/kafka-read';

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
  return (await readAll(kafka, topic, timeoutMs)).map((r) => {
    const e = decode(r.value!);
    if (e.type !== 'Alert') throw new Error(`${topic} holds a ${e.type}`);
    return { key: r.key!.toString('utf8'), alert: e.value };
  });
}
