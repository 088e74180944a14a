import { loadInfraConfig } from '@tokenwarden/config';
import { ConsumedRecord, EventProducer, KafkaConnection } from '@tokenwarden/kafka';
import { Kafka, logLevel } from 'kafkajs';

/** A connection to the test Kafka, configured the way the apps read it. */
export function testConnection(clientId: string, retries = 5): KafkaConnection {
  const cfg = loadInfraConfig(process.env);
  return new KafkaConnection({ brokers: cfg.TW_KAFKA_BROKERS, clientId, retries });
}

/**
 * Reads a whole topic with a throwaway raw kafkajs consumer, independent of the
 * code under test, until `count` records arrived.
 */
export async function readTopic(topic: string, count: number, timeoutMs = 30000): Promise<ConsumedRecord[]> {
  const cfg = loadInfraConfig(process.env);
  const kafka = new Kafka({ brokers: cfg.TW_KAFKA_BROKERS, clientId: 'test-reader', logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `reader-${topic}-${Date.now()}-${Math.random()}`, maxWaitTimeInMs: 100 });
  const out: ConsumedRecord[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const done = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`read ${out.length}/${count} records of ${topic}`)), timeoutMs);
    void consumer.run({
      eachMessage: async ({ partition, message }) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
        out.push({ topic, partition, offset: message.offset, key: message.key, value: message.value, headers, timestampMs: Number(message.timestamp) });
        if (out.length >= count) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  try {
    await done;
    return out;
  } finally {
    await consumer.disconnect();
  }
}

export async function connectedProducer(conn: KafkaConnection): Promise<EventProducer> {
  const producer = new EventProducer(conn, { lingerMs: 2 });
  await producer.connect();
  return producer;
}
