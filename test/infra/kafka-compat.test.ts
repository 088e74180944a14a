// Proof that kafkajs 2.2.4 (raw, without libs/kafka) works against our
// Apache Kafka 3.9.1: admin, idempotent producer, consumer groups and commits.
import { ConfigResourceTypes, Kafka, logLevel, Partitioners, type Consumer, type Producer } from 'kafkajs';
import { testEnv, uniqueName, waitFor } from '@tokenwarden/testing';

// jest.config.js sets testTimeout per project, which Jest 29 ignores (it is a global option).
jest.setTimeout(120_000);

const env = testEnv();
const kafka = new Kafka({
  clientId: uniqueName('kafka_compat'),
  brokers: env.kafkaBrokers,
  logLevel: logLevel.ERROR,
  retry: { retries: 8 },
});
const admin = kafka.admin();
const clients: Array<Producer | Consumer> = [];
const topics: string[] = [];

function track<T extends Producer | Consumer>(client: T): T {
  clients.push(client);
  return client;
}

async function createTopic(prefix: string, configEntries: Array<{ name: string; value: string }> = []): Promise<string> {
  const topic = uniqueName(prefix);
  topics.push(topic);
  const created = await admin.createTopics({
    waitForLeaders: true,
    topics: [{ topic, numPartitions: 3, replicationFactor: 1, configEntries }],
  });
  expect(created).toBe(true);
  return topic;
}

function idempotentProducer(): Producer {
  return track(
    kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    }),
  );
}

/** A group member that records every value it gets and the next offset to commit per partition. */
async function startMember(groupId: string, topic: string) {
  // A short fetch long-poll: disconnect() waits for the fetch in flight (default 5 s).
  const consumer = track(kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 250 }));
  const values: string[] = [];
  const nextOffsets = new Map<number, string>();
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ partition, message }) => {
      values.push(message.value?.toString() ?? '<null>');
      nextOffsets.set(partition, (BigInt(message.offset) + 1n).toString());
    },
  });
  await joined;
  const commit = () =>
    consumer.commitOffsets([...nextOffsets].map(([partition, offset]) => ({ topic, partition, offset })));
  return { consumer, values, commit };
}

async function highWatermarks(topic: string): Promise<Map<number, string>> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return new Map(offsets.map((o) => [o.partition, o.high]));
}

const records = (label: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({ key: `subject-${i % 17}`, value: `${label}-${i}` }));

beforeAll(() => admin.connect());

afterAll(async () => {
  await Promise.allSettled(clients.map((c) => c.disconnect()));
  if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
});

describe('kafkajs 2.2.4 against Apache Kafka 3.9.1', () => {
  it('creates topics, a compacted one included, with the requested config', async () => {
    const plain = await createTopic('compat_plain');
    const compacted = await createTopic('compat_compacted', [
      { name: 'cleanup.policy', value: 'compact' },
      { name: 'min.compaction.lag.ms', value: '0' },
    ]);

    const metadata = await admin.fetchTopicMetadata({ topics: [plain, compacted] });
    expect(metadata.topics.map((t) => [t.name, t.partitions.length]).sort()).toEqual(
      [
        [compacted, 3],
        [plain, 3],
      ].sort(),
    );

    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [plain, compacted].map((name) => ({
        type: ConfigResourceTypes.TOPIC,
        name,
        configNames: ['cleanup.policy', 'min.compaction.lag.ms'],
      })),
    });
    const config = (topic: string) =>
      Object.fromEntries(
        described.resources
          .find((r) => r.resourceName === topic)!
          .configEntries.map((e) => [e.configName, { value: e.configValue, isDefault: e.isDefault }]),
      );
    expect(config(compacted)).toEqual({
      'cleanup.policy': { value: 'compact', isDefault: false },
      'min.compaction.lag.ms': { value: '0', isDefault: false },
    });
    expect(config(plain)['cleanup.policy']).toEqual({ value: 'delete', isDefault: true });
  });

  it('refuses to auto-create a topic on produce (auto.create.topics.enable=false)', async () => {
    // A client of its own: the expected retries would log at ERROR level.
    const quiet = new Kafka({ clientId: uniqueName('kafka_compat'), brokers: env.kafkaBrokers, logLevel: logLevel.NOTHING });
    const producer = track(
      quiet.producer({ allowAutoTopicCreation: true, retry: { retries: 1 }, createPartitioner: Partitioners.DefaultPartitioner }),
    );
    await producer.connect();
    const missing = uniqueName('compat_missing');

    const error: unknown = await producer.send({ topic: missing, messages: [{ value: 'x' }] }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'KafkaJSNumberOfRetriesExceeded', retriable: false });
    expect((error as Error).cause).toMatchObject({ type: 'UNKNOWN_TOPIC_OR_PARTITION', code: 3 });
    expect(await admin.listTopics()).not.toContain(missing);
  });

  it('delivers N idempotently produced records exactly once to a group, and a rejoining member only new ones', async () => {
    const topic = await createTopic('compat_flow');
    const groupId = uniqueName('compat_group');
    const producer = idempotentProducer();
    await producer.connect();

    const n = 500;
    for (let i = 0; i < n; i += 100) {
      await producer.send({ topic, acks: -1, messages: records('old', n).slice(i, i + 100) });
    }
    const afterFirst = await highWatermarks(topic);
    expect([...afterFirst.values()].reduce((sum, high) => sum + Number(high), 0)).toBe(n);

    const first = await startMember(groupId, topic);
    await waitFor(() => first.values.length >= n, 30_000, { what: `${n} records at the first member` });
    await first.commit();
    await first.consumer.disconnect();

    expect(first.values).toHaveLength(n);
    expect(new Set(first.values)).toEqual(new Set(records('old', n).map((r) => r.value)));
    const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
    expect(new Map(committed[0].partitions.map((p) => [p.partition, p.offset]))).toEqual(afterFirst);

    // Same group again: committed offsets win over fromBeginning, so no old record comes back.
    const second = await startMember(groupId, topic);
    const m = 50;
    await producer.send({ topic, acks: -1, messages: records('new', m) });
    await waitFor(() => second.values.length >= m, 30_000, { what: `${m} new records at the rejoined member` });
    await second.commit();
    await second.consumer.disconnect();

    expect(second.values).toHaveLength(m);
    expect(new Set(second.values)).toEqual(new Set(records('new', m).map((r) => r.value)));
    const committedAgain = await admin.fetchOffsets({ groupId, topics: [topic] });
    expect(new Map(committedAgain[0].partitions.map((p) => [p.partition, p.offset]))).toEqual(
      await highWatermarks(topic),
    );
  });
});
