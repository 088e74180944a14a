import { bootstrapTopics, EventProducer, KafkaConnection, topicNames, topicSpecs } from '@tokenwarden/kafka';
import { uniqueName } from '@tokenwarden/testing';
import { Partitioners } from 'kafkajs';
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

  it("puts each keyed record on the partition kafkajs' DefaultPartitioner chooses for its key", async () => {
    const names = topicNames(`${uniqueName('prodpart')}.`);
    const conn = testConnection('producer-partition-test');
    await bootstrapTopics(conn, topicSpecs(names, 6));
    const producer = new EventProducer(conn, { lingerMs: 0 });
    await producer.connect();
    try {
      const keys = Array.from({ length: 300 }, (_, i) => `subject-${i}-ü`);
      await producer.publishAll(keys.map((key) => ({ topic: names.tokenEvents, key, value: Buffer.from(key) })));
      const read = await readTopic(names.tokenEvents, keys.length);
      const partitionMetadata = Array.from({ length: 6 }, (_, partitionId) => ({ partitionErrorCode: 0, partitionId, leader: 1, replicas: [1], isr: [1] }));
      const kafkajsChoice = Partitioners.DefaultPartitioner();
      const expected = (key: string) => kafkajsChoice({ topic: names.tokenEvents, partitionMetadata, message: { key, value: null } });
      expect(read.map((r) => [r.key?.toString(), r.partition])).toEqual(expect.arrayContaining(keys.map((key) => [key, expected(key)])));
      expect(new Set(read.map((r) => r.partition)).size).toBe(6);
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

describe('EventProducer request sizing (real Kafka)', () => {
  it('splits a queue larger than one request into several, so a stall never builds an oversized request', async () => {
    const names = topicNames(`${uniqueName('prodsize')}.`);
    const conn = testConnection('producer-size-test');
    await bootstrapTopics(conn, topicSpecs(names, 1));
    // 3 MB queued at once: far above the broker's 1 MB message.max.bytes if sent as one request.
    const producer = new EventProducer(conn, { lingerMs: 50, maxBatchRecords: 10000, maxBatchBytes: 256 * 1024 });
    await producer.connect();
    try {
      const value = Buffer.alloc(10 * 1024, 7);
      await Promise.all(Array.from({ length: 300 }, (_, i) => producer.publish({ topic: names.tokenEvents, key: `k${i}`, value })));
      const read = await readTopic(names.tokenEvents, 300);
      expect(read).toHaveLength(300);
    } finally {
      await producer.disconnect();
    }
  });

  it('keeps publishing after a failed request (a fresh idempotent producer, no sequence errors)', async () => {
    const names = topicNames(`${uniqueName('prodfail')}.`);
    const conn = testConnection('producer-fail-test');
    await bootstrapTopics(conn, topicSpecs(names, 1));
    const producer = new EventProducer(conn, { lingerMs: 1 });
    await producer.connect();
    try {
      // A single record above message.max.bytes: the broker refuses the request.
      await expect(producer.publish({ topic: names.tokenEvents, key: 'big', value: Buffer.alloc(2 * 1024 * 1024) })).rejects.toMatchObject({
        code: 'ERR_KAFKA_PUBLISH_FAILED',
      });
      await producer.publishAll(['a', 'b', 'c'].map((v) => ({ topic: names.tokenEvents, key: 'k', value: Buffer.from(v) })));
      const read = await readTopic(names.tokenEvents, 3);
      expect(read.map((r) => r.value?.toString())).toEqual(['a', 'b', 'c']);
    } finally {
      await producer.disconnect();
    }
  });
});
