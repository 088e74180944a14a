import { ClickHouseStore, migrate, sql } from '@tokenwarden/clickhouse';
import { loadInfraConfig } from '@tokenwarden/config';
import { bootstrapTopics, EventProducer, KafkaConnection, topicNames, TopicNames, topicSpecs } from '@tokenwarden/kafka';
import { uniqueName } from '@tokenwarden/testing';
import { Admin, Kafka } from 'kafkajs';
import { TestEvent } from './events';
import { committedOffsets, endOffsets, Offsets, rawKafka, readAll, sameOffsets } from '../../support/kafka-read';
import { controlCopy, Ledger, observe } from './oracle';

export const PARTITIONS = 3;

/**
 * One test's private slice of the real servers: its own topic prefix,
 * consumer group and ClickHouse database, so tests run in parallel and again.
 * Records what Kafka acknowledged, which is what the oracle expects to land.
 */
export class Pipeline {
  private readonly acked = new Map<string, Set<string>>();
  /** Every id ever handed to the producer, poison included. */
  readonly published = new Set<string>();
  readonly kafka: Kafka;
  readonly admin: Admin;

  private constructor(
    readonly names: TopicNames,
    readonly group: string,
    readonly database: string,
    readonly store: ClickHouseStore,
    readonly conn: KafkaConnection,
    readonly producer: EventProducer,
    private readonly brokers: string[],
    readonly clickhouseUrl: string,
  ) {
    this.kafka = rawKafka(brokers);
    this.admin = this.kafka.admin();
  }

  /**
   * Creates topics and migrates the database before any projector runs, and
   * stops background merges on token_events: a duplicate then stays visible to
   * a plain count(), so negative controls see what dedup absorbs.
   */
  static async create(label: string): Promise<Pipeline> {
    const infra = loadInfraConfig(process.env);
    const base = uniqueName(label);
    const names = topicNames(`${base}.`);
    const store = new ClickHouseStore({ url: infra.TW_CLICKHOUSE_URL, user: infra.TW_CLICKHOUSE_USER, password: infra.TW_CLICKHOUSE_PASSWORD });
    const conn = new KafkaConnection({ brokers: infra.TW_KAFKA_BROKERS, clientId: 'projector-fault-test' });
    await bootstrapTopics(conn, topicSpecs(names, PARTITIONS));
    await migrate(store, { database: base });
    await store.command(`SYSTEM STOP MERGES ${sql.identifier(`${base}.token_events`)}`);
    await store.command(`SYSTEM STOP MERGES ${sql.identifier(`${base}.alerts`)}`);
    const producer = new EventProducer(conn, { lingerMs: 5, maxBatchRecords: 1000 });
    await producer.connect();
    const p = new Pipeline(names, `${base}_projector`, base, store, conn, producer, infra.TW_KAFKA_BROKERS, infra.TW_CLICKHOUSE_URL);
    await p.admin.connect();
    return p;
  }

  /** Environment of a projector process working on this pipeline. */
  projectorEnv(overrides: Record<string, string> = {}): Record<string, string> {
    return {
      TW_KAFKA_BROKERS: this.brokers.join(','),
      TW_TOPIC_PREFIX: `${this.database}.`,
      TW_TOPIC_PARTITIONS: String(PARTITIONS),
      TW_CLICKHOUSE_URL: this.clickhouseUrl,
      TW_CLICKHOUSE_DATABASE: this.database,
      TW_PROJECTOR_GROUP: this.group,
      TW_PROJECTOR_MIN_BYTES: '1',
      TW_PROJECTOR_MAX_WAIT_MS: '100',
      TW_PROJECTOR_MAX_BYTES_PER_PARTITION: '16384',
      TW_PROJECTOR_RETRY_BASE_MS: '100',
      TW_PROJECTOR_RETRY_MAX_MS: '1000',
      TW_PROJECTOR_SESSION_TIMEOUT_MS: '6000',
      ...overrides,
    };
  }

  /**
   * Publishes events to `topic` in acknowledged chunks of `chunk` (small
   * producer batches, so the projector's fetches stay small too); the ids
   * Kafka acknowledged join `landed` unless they are poison.
   */
  async publish(topic: string, events: readonly TestEvent[], { poison = false, chunk = 50 } = {}): Promise<void> {
    for (let i = 0; i < events.length; i += chunk) {
      const part = events.slice(i, i + chunk);
      for (const e of part) this.published.add(e.id);
      await this.producer.publishAll(part.map((e) => ({ topic, key: e.key, value: e.value })));
      if (!poison) for (const e of part) this.landedOn(topic).add(e.id);
    }
  }

  /** Ids published to `topic` that Kafka acknowledged and that must land in ClickHouse. */
  landedOn(topic: string): Set<string> {
    if (!this.acked.has(topic)) this.acked.set(topic, new Set());
    return this.acked.get(topic)!;
  }

  /** The acknowledged token events: what token_events must hold. */
  get landed(): Set<string> {
    return this.landedOn(this.names.tokenEvents);
  }

  async publishRaw(topic: string, key: string, value: Buffer): Promise<void> {
    await this.producer.publish({ topic, key, value });
  }

  committed(topic = this.names.tokenEvents): Promise<Offsets> {
    return committedOffsets(this.admin, this.group, topic);
  }

  end(topic = this.names.tokenEvents): Promise<Offsets> {
    return endOffsets(this.admin, topic);
  }

  /** True once the group committed everything on `topics`. */
  async drained(topics = [this.names.tokenEvents]): Promise<boolean> {
    for (const t of topics) if (!sameOffsets(await this.committed(t), await this.end(t))) return false;
    return true;
  }

  async ledger(topic = this.names.tokenEvents): Promise<Ledger> {
    return { source: await readAll(this.kafka, topic), committed: await this.committed(topic), deadLetters: await readAll(this.kafka, this.names.deadLetters) };
  }

  observe(options?: Parameters<typeof observe>[2]) {
    return observe(this.store, this.database, options);
  }

  controlCopy(name: string, where?: string) {
    return controlCopy(this.store, this.database, name, where);
  }

  async teardown(): Promise<void> {
    await this.producer.disconnect().catch(() => undefined);
    const topics = Object.values(this.names);
    await this.admin.deleteTopics({ topics }).catch(() => undefined);
    await this.admin.deleteGroups([this.group]).catch(() => undefined);
    await this.admin.disconnect();
    await this.store.command(`DROP DATABASE IF EXISTS ${sql.identifier(this.database)}`).catch(() => undefined);
    await this.store.close();
  }
}
