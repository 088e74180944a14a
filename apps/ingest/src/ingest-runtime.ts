import { EventCodec } from '@tokenwarden/events';
import { bootstrapTopics, EventProducer, KafkaConnection, topicNames, topicSpecs, TopicNames } from '@tokenwarden/kafka';
import { Auth0Adapter } from './adapters/auth0-adapter';
import { KeycloakAdapter } from './adapters/keycloak-adapter';
import { SubjectPseudonyms } from './adapters/source-adapter';
import { EventContract } from './contract/event-contract';
import type { Log } from '@tokenwarden/config';
import { IngestConfig, instanceIdOf } from './ingest.config';
import { IngestMetrics } from './ingest-metrics';
import { IdempotentPublisher } from './pipeline/idempotent-publisher';
import { IngestService } from './pipeline/ingest-service';
import { SeenEvents } from './pipeline/seen-events';
import { ProducerRateLimiter } from './pipeline/token-bucket';
import { ProducerAuthenticator } from './producers/producer-auth';
import { ProducerConfig } from './producers/producer-config';

export interface IngestRuntimeOptions {
  readonly config: IngestConfig;
  readonly producers: readonly ProducerConfig[];
  readonly log: Log;
  readonly now?: () => number;
  /** Tests pass false: default process metrics are global state. */
  readonly processMetrics?: boolean;
}

type State = 'created' | 'running' | 'stopping' | 'stopped';

/** Builds the ingest's parts from the frozen config, and owns their start and stop. */
export class IngestRuntime {
  readonly metrics: IngestMetrics;
  readonly service: IngestService;
  readonly topics: TopicNames;
  readonly maxBodyBytes: number;
  private readonly connection: KafkaConnection;
  private readonly producer: EventProducer;
  private state: State = 'created';
  private lastPublishOk = true;

  constructor(private readonly o: IngestRuntimeOptions) {
    const { config } = o;
    const now = o.now ?? Date.now;
    this.metrics = new IngestMetrics(o.processMetrics ?? true);
    this.topics = topicNames(config.TW_TOPIC_PREFIX);
    this.maxBodyBytes = config.TW_INGEST_MAX_BODY_BYTES;
    this.connection = new KafkaConnection({ brokers: config.TW_KAFKA_BROKERS, clientId: config.TW_KAFKA_CLIENT_ID, retries: 3 });
    this.producer = new EventProducer(this.connection, { lingerMs: 2, ackTimeoutMs: config.TW_INGEST_ACK_TIMEOUT_MS });
    const publish = (record: Parameters<EventProducer['publish']>[0]) =>
      this.producer.publish(record).then(
        () => void (this.lastPublishOk = true),
        (err: unknown) => {
          this.lastPublishOk = false;
          throw err;
        },
      );
    const seen = new SeenEvents(config.TW_INGEST_DEDUP_MAX_IDS, config.TW_INGEST_DEDUP_TTL_SECONDS * 1000, now);
    this.service = new IngestService({
      contract: new EventContract(new EventCodec()),
      topics: this.topics,
      authenticator: new ProducerAuthenticator(o.producers),
      limiter: new ProducerRateLimiter(now),
      publisher: new IdempotentPublisher(seen, publish, config.TW_INGEST_ACK_TIMEOUT_MS),
      metrics: this.metrics,
      adapters: { keycloak: new KeycloakAdapter(), auth0: new Auth0Adapter() },
      pseudonyms: new SubjectPseudonyms(config.TW_SUBJECT_REF_KEY),
      instanceId: instanceIdOf(config),
      maxEventsPerRequest: config.TW_INGEST_MAX_EVENTS_PER_REQUEST,
      maxFutureMs: config.TW_INGEST_MAX_FUTURE_SECONDS * 1000,
      now,
    });
  }

  /** Creates topics when asked to, and connects the producer; Kafka down at boot is logged, not fatal (requests get 503). */
  async start(): Promise<void> {
    if (this.o.config.TW_BOOTSTRAP_TOPICS) {
      await bootstrapTopics(this.connection, topicSpecs(this.topics, this.o.config.TW_TOPIC_PARTITIONS));
    }
    try {
      await this.producer.connect();
    } catch (err) {
      this.lastPublishOk = false;
      this.o.log('warn', 'Kafka unavailable at start; requests answer 503 until it returns', { error: (err as Error).message });
    }
    this.state = 'running';
  }

  /** Waits for in-flight acknowledgements, then disconnects. */
  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopping';
    await this.producer.disconnect().catch((err: unknown) => this.o.log('warn', 'producer disconnect failed', { error: String(err) }));
    this.state = 'stopped';
  }

  /** Liveness: 200 while running, also with Kafka down (a restart would not help); `kafka` says how the last publish went. */
  health(): { status: State; kafka: 'ok' | 'failing' } {
    return { status: this.state, kafka: this.lastPublishOk ? 'ok' : 'failing' };
  }
}
