// One fresh pipeline for one step of the sweep: its own topics (3
// partitions), consumer groups and ClickHouse database, the compiled projector
// and detector consuming together, the producer feeding them, and the
// analyst's read-only connection.
import { join } from 'node:path';
import { ClickHouseStore, sql } from '@tokenwarden/clickhouse';
import { loadInfraConfig } from '@tokenwarden/config';
import { bootstrapTopics, EventProducer, KafkaConnection, topicNames, TopicNames, topicSpecs } from '@tokenwarden/kafka';
import { uniqueName } from '@tokenwarden/testing';
import { Admin, Kafka, logLevel } from 'kafkajs';
import { benchProjectorEnv } from '../projector/bench-support';
import { CompiledApp, CompiledService, DETECTOR, PROJECTOR } from './compiled-service';

const ROOT = join(__dirname, '../..');
export const PARTITIONS = 3;

/** TW_DETECTOR_* of the caller's environment, passed on (as benchProjectorEnv does for the projector). */
const detectorOverrides = (): Record<string, string> =>
  Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[0].startsWith('TW_DETECTOR_') && e[1] !== undefined));

export class PipelineUnderTest {
  private constructor(
    readonly names: TopicNames,
    readonly database: string,
    readonly groups: { projector: string; detector: string; alertWatcher: string },
    readonly kafka: Kafka,
    readonly admin: Admin,
    readonly producer: EventProducer,
    readonly analyst: ClickHouseStore,
    private readonly store: ClickHouseStore,
    private readonly services: CompiledService[],
  ) {}

  static async start(label: string): Promise<PipelineUnderTest> {
    const infra = loadInfraConfig(process.env);
    const base = uniqueName(label);
    const names = topicNames(`${base}.`);
    const groups = { projector: `${base}_projector`, detector: `${base}_detector`, alertWatcher: `${base}_alert_watcher` };
    const conn = new KafkaConnection({ brokers: infra.TW_KAFKA_BROKERS, clientId: 'bench-pipeline' });
    await bootstrapTopics(conn, topicSpecs(names, PARTITIONS));
    const common = {
      TW_KAFKA_BROKERS: infra.TW_KAFKA_BROKERS.join(','),
      TW_TOPIC_PREFIX: `${base}.`,
      TW_TOPIC_PARTITIONS: String(PARTITIONS),
      TW_CLICKHOUSE_URL: infra.TW_CLICKHOUSE_URL,
      TW_CLICKHOUSE_DATABASE: base,
    };
    // Production defaults of each service; TW_PROJECTOR_* / TW_DETECTOR_* of the caller override them.
    const services = await Promise.all([
      CompiledService.start(PROJECTOR, benchProjectorEnv({ ...common, TW_PROJECTOR_GROUP: groups.projector })),
      CompiledService.start(DETECTOR, {
        ...common,
        TW_DETECTOR_GROUP: groups.detector,
        TW_DETECTOR_RULES_FILE: join(ROOT, 'config/detection-rules.json'),
        TW_POLICY_FILE: join(ROOT, 'config/policy.json'),
        ...detectorOverrides(),
      }),
    ]);
    // Same settings as the token service's producer.
    const producer = new EventProducer(conn, { lingerMs: 0 });
    await producer.connect();
    const kafka = new Kafka({ brokers: infra.TW_KAFKA_BROKERS, clientId: 'bench-pipeline-observer', logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const analyst = new ClickHouseStore({ url: infra.TW_CLICKHOUSE_URL, user: 'soc_analyst', password: process.env.TW_ANALYST_PASSWORD ?? 'analyst' });
    const store = new ClickHouseStore({ url: infra.TW_CLICKHOUSE_URL, user: infra.TW_CLICKHOUSE_USER, password: infra.TW_CLICKHOUSE_PASSWORD });
    return new PipelineUnderTest(names, base, groups, kafka, admin, producer, analyst, store, services);
  }

  /** Rows analysts see in `view` (token_events_v, alerts_v, ...). */
  async analystCount(view: string): Promise<number> {
    const [{ n }] = await this.analyst.query<{ n: string }>(`SELECT toString(count()) AS n FROM ${sql.identifier(`${this.database}.${view}`)}`);
    return Number(n);
  }

  /** The services' process ids, by app. */
  pids(): Partial<Record<CompiledApp['app'], number>> {
    return Object.fromEntries(this.services.map((s) => [s.spec.app, s.pid]));
  }

  /** The app that died, if one did. */
  dead(): string | undefined {
    return this.services.find((s) => !s.alive)?.spec.app;
  }

  /** Throws when a service died under the load (the step's figures would be meaningless). */
  assertAlive(): void {
    const dead = this.services.find((s) => !s.alive);
    if (dead) throw new Error(`the ${dead.spec.app} died: ${dead.describe()}`);
  }

  async stop(): Promise<void> {
    await this.producer.disconnect().catch(() => undefined);
    await Promise.all(this.services.map((s) => s.stop()));
    await this.admin.deleteTopics({ topics: Object.values(this.names) }).catch(() => undefined);
    await this.admin.deleteGroups(Object.values(this.groups)).catch(() => undefined);
    await this.admin.disconnect();
    await this.store.command(`DROP DATABASE IF EXISTS ${sql.identifier(this.database)}`).catch(() => undefined);
    await this.store.close();
    await this.analyst.close();
  }
}
