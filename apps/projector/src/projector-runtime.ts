import { ClickHouseStore, clickHouseOptionsFromConfig, migrate } from '@tokenwarden/clickhouse';
import type { Log } from '@tokenwarden/config';
import { EventCodec } from '@tokenwarden/events';
import {
  bootstrapTopics,
  ConsumerRunner,
  EventProducer,
  KafkaConnection,
  PartitionCounters,
  retryStartStep,
  topicNames,
  topicSpecs,
} from '@tokenwarden/kafka';
import { BatchProjector } from './projection/batch-projector';
import { ProjectorConfig } from './projector.config';
import { ProjectorMetrics } from './projector-metrics';

export type ProjectorState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped';

export interface ProjectorHealth {
  status: ProjectorState;
  clickhouse: 'up' | 'down';
  partitions: Record<string, PartitionCounters>;
}

/**
 * One projector process: owns its adapters and their order of start and stop.
 * Start: migrate ClickHouse, create topics, then consume token-events,
 * key-events and alerts. Stop: stop fetching, let the batches in hand land
 * and commit, then close the dead-letter producer and ClickHouse.
 * Infrastructure that is down at start is waited for, never crash-looped on.
 */
export class ProjectorRuntime {
  readonly metrics: ProjectorMetrics;
  private state: ProjectorState = 'idle';
  private readonly store: ClickHouseStore;
  private readonly conn: KafkaConnection;
  private readonly deadLetters: EventProducer;
  private readonly runner: ConsumerRunner;
  private readonly stopping = new AbortController();

  constructor(
    private readonly config: ProjectorConfig,
    private readonly log: Log,
    onFatal: (err: unknown) => void,
    now: () => number = Date.now,
  ) {
    const names = topicNames(config.TW_TOPIC_PREFIX);
    this.store = new ClickHouseStore({
      ...clickHouseOptionsFromConfig(config),
      requestTimeoutMs: config.TW_PROJECTOR_INSERT_TIMEOUT_MS,
    });
    this.conn = new KafkaConnection({ brokers: config.TW_KAFKA_BROKERS, clientId: `${config.TW_KAFKA_CLIENT_ID}-projector` });
    this.deadLetters = new EventProducer(this.conn, { lingerMs: 5 });
    // Read at scrape time, when the runner below exists.
    this.metrics = new ProjectorMetrics(() => this.runner.stats.snapshot());
    const projector = new BatchProjector({
      codec: new EventCodec({ maxMessageBytes: config.TW_PROJECTOR_MAX_RECORD_BYTES }),
      store: this.store,
      database: config.TW_CLICKHOUSE_DATABASE,
      maxRecordBytes: config.TW_PROJECTOR_MAX_RECORD_BYTES,
      maxFutureMs: config.TW_PROJECTOR_MAX_FUTURE_SECONDS * 1000,
      maxInsertRows: config.TW_PROJECTOR_MAX_INSERT_ROWS,
      maxInsertsInFlight: config.TW_PROJECTOR_INSERTS_IN_FLIGHT,
      now,
      observer: this.metrics,
    });
    this.runner = new ConsumerRunner(this.conn, this.deadLetters, projector.handle, {
      groupId: config.TW_PROJECTOR_GROUP,
      topics: [names.tokenEvents, names.keyEvents, names.alerts],
      deadLetterTopic: names.deadLetters,
      fromBeginning: true,
      minBytes: config.TW_PROJECTOR_MIN_BYTES,
      maxWaitTimeMs: config.TW_PROJECTOR_MAX_WAIT_MS,
      maxBytesPerPartition: config.TW_PROJECTOR_MAX_BYTES_PER_PARTITION,
      maxBytes: config.TW_PROJECTOR_MAX_FETCH_BYTES,
      partitionsConsumedConcurrently: config.TW_PROJECTOR_PARTITIONS_CONCURRENTLY,
      retryBaseMs: config.TW_PROJECTOR_RETRY_BASE_MS,
      retryMaxMs: config.TW_PROJECTOR_RETRY_MAX_MS,
      sessionTimeoutMs: config.TW_PROJECTOR_SESSION_TIMEOUT_MS,
      overlapFromLag: config.TW_PROJECTOR_CATCH_UP_LAG,
      now,
      onFatal,
    });
  }

  async start(): Promise<void> {
    this.state = 'starting';
    const database = this.config.TW_CLICKHOUSE_DATABASE;
    const names = topicNames(this.config.TW_TOPIC_PREFIX);
    const specs = topicSpecs(names, this.config.TW_TOPIC_PARTITIONS);
    const migrated = await this.untilDone('migrate ClickHouse', () => migrate(this.store, { database }));
    const ready =
      migrated &&
      (await this.untilDone('create topics', () => bootstrapTopics(this.conn, specs))) &&
      (await this.untilDone('connect the dead-letter producer', () => this.deadLetters.connect())) &&
      (await this.untilDone('start consuming', () => this.runner.start()));
    if (!ready) return; // stopped while waiting
    this.state = 'running';
    this.log('info', 'projector running', {
      database,
      applied: migrated.value.applied,
      group: this.config.TW_PROJECTOR_GROUP,
      topics: [names.tokenEvents, names.keyEvents, names.alerts],
    });
  }

  /** Stop consuming, let the batches in hand land and commit, close. Safe to call at any point. */
  async stop(): Promise<void> {
    if (this.state === 'stopping' || this.state === 'stopped') return;
    this.state = 'stopping';
    this.stopping.abort();
    await this.runner.stop();
    await this.deadLetters.disconnect();
    await this.store.close();
    this.state = 'stopped';
    this.log('info', 'projector stopped');
  }

  async health(): Promise<ProjectorHealth> {
    const up = this.state === 'stopped' ? false : await this.store.ping();
    return { status: this.state, clickhouse: up ? 'up' : 'down', partitions: this.runner.stats.snapshot() };
  }

  private untilDone<T>(what: string, step: () => Promise<T>): Promise<{ value: T } | undefined> {
    return retryStartStep(what, step, {
      signal: this.stopping.signal, baseMs: this.config.TW_PROJECTOR_RETRY_BASE_MS, maxMs: this.config.TW_PROJECTOR_RETRY_MAX_MS, log: this.log,
    });
  }
}
