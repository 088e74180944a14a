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
import { AlertForwarder } from './delivery/alert-forwarder';
import { SiemForwarderConfig } from './siem-forwarder.config';
import { SiemForwarderMetrics } from './siem-forwarder-metrics';
import { buildSinks } from './sinks/build-sinks';

export type ForwarderState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped';

export interface ForwarderHealth {
  status: ForwarderState;
  sinks: string[];
  partitions: Record<string, PartitionCounters>;
}

/**
 * One forwarder process: owns its adapters and their order of start and stop.
 * Start: create topics (idempotent), connect the dead-letter producer, consume
 * alerts. Stop: stop fetching, let the round in hand finish and commit, close
 * the sinks and the producer. Kafka being down at start is waited for.
 */
export class SiemForwarderRuntime {
  readonly metrics: SiemForwarderMetrics;
  readonly forwarder: AlertForwarder;
  private state: ForwarderState = 'idle';
  private readonly conn: KafkaConnection;
  private readonly deadLetters: EventProducer;
  private readonly runner: ConsumerRunner;
  private readonly stopping = new AbortController();

  constructor(
    private readonly config: SiemForwarderConfig,
    private readonly log: Log,
    onFatal: (err: unknown) => void,
    now: () => number = Date.now,
  ) {
    const names = topicNames(config.TW_TOPIC_PREFIX);
    this.conn = new KafkaConnection({ brokers: config.TW_KAFKA_BROKERS, clientId: `${config.TW_KAFKA_CLIENT_ID}-siem-forwarder` });
    this.deadLetters = new EventProducer(this.conn, { lingerMs: 5 });
    // Read lazily: the runner is built below, with the forwarder that reports to these metrics.
    this.metrics = new SiemForwarderMetrics(() => (this.runner as ConsumerRunner | undefined)?.stats.snapshot() ?? {});
    const codec = new EventCodec({ maxMessageBytes: config.TW_SIEM_MAX_RECORD_BYTES });
    this.forwarder = new AlertForwarder({
      sinks: buildSinks(config.sinks.sinks, config.TW_SIEM_PRODUCT_VERSION, now),
      decode: (bytes) => codec.decode(bytes),
      now,
      roundBudgetMs: config.TW_SIEM_ROUND_BUDGET_MS,
      observer: this.metrics,
    });
    this.runner = new ConsumerRunner(this.conn, this.deadLetters, this.forwarder.handle, {
      groupId: config.TW_SIEM_GROUP,
      topics: [names.alerts],
      deadLetterTopic: names.deadLetters,
      fromBeginning: true,
      maxWaitTimeMs: 250,
      maxBytesPerPartition: config.TW_SIEM_MAX_BYTES_PER_PARTITION,
      partitionsConsumedConcurrently: config.TW_SIEM_PARTITIONS_CONCURRENTLY,
      retryBaseMs: config.TW_SIEM_POLL_BASE_MS,
      retryMaxMs: config.TW_SIEM_POLL_MAX_MS,
      sessionTimeoutMs: config.TW_SIEM_SESSION_TIMEOUT_MS,
      now,
      onFatal,
    });
  }

  async start(): Promise<void> {
    this.state = 'starting';
    const names = topicNames(this.config.TW_TOPIC_PREFIX);
    const specs = topicSpecs(names, this.config.TW_TOPIC_PARTITIONS);
    const ready =
      (await this.untilDone('create topics', () => bootstrapTopics(this.conn, specs))) &&
      (await this.untilDone('connect the dead-letter producer', () => this.deadLetters.connect())) &&
      (await this.untilDone('start consuming', () => this.runner.start()));
    if (!ready) return; // stopped while waiting
    this.state = 'running';
    this.log('info', 'siem-forwarder running', {
      group: this.config.TW_SIEM_GROUP,
      topic: names.alerts,
      sinks: this.config.sinks.sinks.map((s) => `${s.type}:${s.name}`),
    });
  }

  /** Stop consuming, finish and commit the round in hand, close. Safe to call at any point. */
  async stop(): Promise<void> {
    if (this.state === 'stopping' || this.state === 'stopped') return;
    this.state = 'stopping';
    this.stopping.abort();
    await this.runner.stop();
    await this.forwarder.close();
    await this.deadLetters.disconnect();
    this.state = 'stopped';
    this.log('info', 'siem-forwarder stopped');
  }

  health(): ForwarderHealth {
    return { status: this.state, sinks: this.config.sinks.sinks.map((s) => s.name), partitions: this.runner.stats.snapshot() };
  }

  private untilDone<T>(what: string, step: () => Promise<T>): Promise<{ value: T } | undefined> {
    return retryStartStep(what, step, {
      signal: this.stopping.signal, baseMs: this.config.TW_SIEM_POLL_BASE_MS, maxMs: this.config.TW_SIEM_POLL_MAX_MS, log: this.log,
    });
  }
}
