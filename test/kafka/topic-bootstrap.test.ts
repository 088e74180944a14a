import { bootstrapTopics, topicNames, topicSpecs } from '@tokenwarden/kafka';
import { uniqueName } from '@tokenwarden/testing';
import { Kafka, ConfigResourceTypes, logLevel } from 'kafkajs';
import { loadInfraConfig } from '@tokenwarden/config';
import { testConnection } from './kafka-fixture';

describe('topic bootstrap (real Kafka)', () => {
  it('creates the five topics once, compacts revocations, and a second run changes nothing', async () => {
    const prefix = `${uniqueName('boot')}.`;
    const names = topicNames(prefix);
    const specs = topicSpecs(names, 4);
    const conn = testConnection('bootstrap-test');

    const first = await bootstrapTopics(conn, specs);
    expect(first.created.sort()).toEqual(Object.values(names).sort());
    expect(first.existing).toEqual([]);

    const second = await bootstrapTopics(conn, specs);
    expect(second.created).toEqual([]);
    expect(second.existing.sort()).toEqual(Object.values(names).sort());

    const admin = new Kafka({ brokers: loadInfraConfig(process.env).TW_KAFKA_BROKERS, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const meta = await admin.fetchTopicMetadata({ topics: [names.tokenEvents, names.revocations] });
      expect(meta.topics.map((t) => t.partitions.length)).toEqual([4, 4]);
      const configs = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: ConfigResourceTypes.TOPIC, name: names.revocations, configNames: ['cleanup.policy'] }],
      });
      expect(configs.resources[0].configEntries[0].configValue).toBe('compact');
    } finally {
      await admin.disconnect();
    }
  });

  it('refuses a topic that exists with fewer partitions than configured', async () => {
    const prefix = `${uniqueName('bootp')}.`;
    const conn = testConnection('bootstrap-test');
    await bootstrapTopics(conn, topicSpecs(topicNames(prefix), 2));
    await expect(bootstrapTopics(conn, topicSpecs(topicNames(prefix), 5))).rejects.toMatchObject({
      code: 'ERR_KAFKA_TOPIC_BOOTSTRAP',
      retriable: false,
    });
  });

  it('says clearly which brokers are unreachable', async () => {
    const { KafkaConnection } = await import('@tokenwarden/kafka');
    const conn = new KafkaConnection({ brokers: ['127.0.0.1:1'], clientId: 't', retries: 1, connectionTimeoutMs: 500 });
    await expect(bootstrapTopics(conn, topicSpecs(topicNames('x.'), 1))).rejects.toMatchObject({
      code: 'ERR_KAFKA_UNAVAILABLE',
      retriable: true,
      message: expect.stringContaining('127.0.0.1:1'),
    });
  });
});
