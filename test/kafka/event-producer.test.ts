import { bootstrapTopics, EventProducer, KafkaConnection, topicNames, topicSpecs } from '@tokenwarden/kafka';
import { uniqueName } from '@tokenwarden/testing';
import { readTopic, testConnection } from './kafka-fixture';

describe('EventProducer (real Kafka)', () => {
  it('acknowledges every record of many concurrent publishes, keyed records in order', async () => {
    const names = topicNames(`${uniqueName('prod')}.`);
    const conn = testConnection('producer-test');
    await bootstrapTopics(conn, topicSpecs(names, 3));
    const producer = new EventProducer(conn, { lingerMs: 5, maxBatchRecords: 100 });
    await producer.connect();
    try {
      const values = Array.from({ length: 500 }, (_, i) => `r${i}`);
      await Promise.all(values.map((v) => producer.publish({ topic: names.tokenEvents, key: 'same-subject', value: Buffer.from(v) })));
      const read = await readTopic(names.tokenEvents, 500);
      expect(read.map((r) => r.value?.toString())).toEqual(values);
      expect(new Set(read.map((r) => r.partition)).size).toBe(1);
    } finally {
      await producer.disconnect();
    }
  });

  it('rejects a publish with a clear, retriable error naming the brokers when none answers', async () => {
    const conn = new KafkaConnection({ brokers: ['127.0.0.1:1'], clientId: 'down', retries: 1, connectionTimeoutMs: 300 });
    const producer = new EventProducer(conn);
    await expect(producer.publish({ topic: 'any', key: null, value: Buffer.from('x') })).rejects.toMatchObject({
      code: 'ERR_KAFKA_UNAVAILABLE',
      retriable: true,
      message: expect.stringContaining('127.0.0.1:1'),
    });
    await producer.disconnect();
  });
});
