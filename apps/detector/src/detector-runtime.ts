import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Log } from '@tokenwarden/config';
import { Alert, EventCodec, EventCodecError, ProjectedEventDecoder } from '@tokenwarden/events';
import {
  bootstrapTopics, ConsumerRunner, EventProducer, KafkaConnection, PartitionCounters, retryStartStep, topicNames, topicSpecs,
} from '@tokenwarden/kafka';
import { loadPolicyFile } from '@tokenwarden/policy';
import { DetectionLoop } from './detection-loop';
import { DetectorConfig } from './detector.config';
import { DetectorMetrics } from './detector-metrics';
import { DetectionEngine, RuleStats } from './engine/detection-engine';
import { ALERT_PRODUCER_OPTIONS, publishAtOnce } from './kafka/alert-publisher';
import { KeyFeed } from './kafka/key-feed';
import { initGroupOffsets, planReplay, rangesSince, readMerged } from './kafka/log-reader';
import { eventProjection } from './rules/event-projection';
import { loadRuleFile } from './rules/parse-rules';
import { RuleSet } from './rules/rule-definition';

export type DetectorState = 'idle' | 'starting' | 'replaying' | 'running' | 'stopping' | 'stopped';

export interface DetectorHealth {
  status: DetectorState;
  rules: RuleStats[];
  partitions: Record<string, PartitionCounters>;
}

/** How far back state reaches: windows (token-events) and open incidents (alerts). */
export function lookbacks(rules: RuleSet): { windowsMs: number; incidentsMs: number } {
  const latenessMs = rules.allowedLatenessSeconds * 1000;
  const bucket = (r: RuleSet['rules'][number]) => (r.windowSeconds * 1000) / r.subBuckets;
  return {
    windowsMs: Math.max(...rules.rules.map((r) => r.windowSeconds * 1000 + bucket(r))) + latenessMs,
    incidentsMs: Math.max(...rules.rules.map((r) => (r.windowSeconds + r.cooldownSeconds) * 1000 + bucket(r))) + latenessMs,
  };
}

/**
 * One detector process. Start: create topics, read key-events, restore
 * open incidents from the alerts topic, replay the last window of
 * token-events up to the group's committed offsets (state is derived from
 * the log), publish what the log implies but the alerts topic lacks, then
 * consume live. Stop: stop fetching, let the batch in hand publish and commit, close.
 */
export class DetectorRuntime {
  readonly metrics: DetectorMetrics;
  readonly engine: DetectionEngine;
  readonly rules: RuleSet;
  private state: DetectorState = 'idle';
  private readonly conn: KafkaConnection;
  private readonly producer: EventProducer;
  private readonly codec: EventCodec;
  private readonly loop: DetectionLoop;
  private readonly keyFeed: KeyFeed;
  private runner: ConsumerRunner | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly stopping = new AbortController();
  private readonly names: ReturnType<typeof topicNames>;
  private readonly alertsTopic: string;

  constructor(private readonly config: DetectorConfig, private readonly log: Log, private readonly onFatal: (err: unknown) => void,
    private readonly now: () => number = Date.now) {
    this.rules = loadRuleFile(config.TW_DETECTOR_RULES_FILE);
    const policy = loadPolicyFile(config.TW_POLICY_FILE);
    this.names = topicNames(config.TW_TOPIC_PREFIX);
    this.alertsTopic = config.TW_DETECTOR_ALERTS_TOPIC || this.names.alerts;
    const instance = config.TW_DETECTOR_INSTANCE || `${hostname()}-${process.pid}`;
    this.engine = new DetectionEngine({
      rules: this.rules, policy, now, maxKeysPerRule: config.TW_DETECTOR_MAX_KEYS_PER_RULE,
      maxFutureMs: config.TW_DETECTOR_MAX_FUTURE_SECONDS * 1000,
      producer: { service: 'detector', instance, version: config.TW_SERVICE_VERSION },
    });
    this.codec = new EventCodec({ maxMessageBytes: config.TW_DETECTOR_MAX_RECORD_BYTES });
    this.conn = new KafkaConnection({ brokers: config.TW_KAFKA_BROKERS, clientId: `${config.TW_KAFKA_CLIENT_ID}-detector` });
    this.producer = new EventProducer(this.conn, ALERT_PRODUCER_OPTIONS);
    this.metrics = new DetectorMetrics({
      rules: () => this.engine.stats(),
      slabBytes: () => Object.fromEntries(this.engine.states.map((s) => [s.rule.id, s.table.slabBytes()])),
      partitions: () => this.runner?.stats.snapshot() ?? {},
      eventClockMs: () => this.engine.clockMs,
    });
    this.loop = new DetectionLoop({
      engine: this.engine, codec: this.codec, alertsTopic: this.alertsTopic, now,
      // Token events: only what the rules read is built. Alerts and key events (rebuild, KeyFeed) decode in full.
      decoder: new ProjectedEventDecoder(eventProjection(this.rules), { maxMessageBytes: config.TW_DETECTOR_MAX_RECORD_BYTES }),
      updateIntervalMs: config.TW_DETECTOR_UPDATE_INTERVAL_MS,
      publish: publishAtOnce(this.producer), observer: this.metrics,
    });
    this.keyFeed = new KeyFeed({
      conn: this.conn, deadLetters: this.producer, codec: this.codec, keys: this.engine.keys, topic: this.names.keyEvents,
      deadLetterTopic: this.names.deadLetters, groupId: `${config.TW_DETECTOR_GROUP}-keys-${instance}-${Date.now().toString(36)}`,
      onUndecodable: (code) => this.metrics.undecodableRecord(code), onFatal,
    });
  }

  async start(): Promise<void> {
    this.state = 'starting';
    const specs = topicSpecs(this.names, this.config.TW_TOPIC_PARTITIONS);
    if (!specs.some((s) => s.name === this.alertsTopic)) {
      specs.push({ ...specs.find((s) => s.name === this.names.alerts)!, name: this.alertsTopic });
    }
    const ready =
      (await this.untilDone('create topics', () => bootstrapTopics(this.conn, specs))) &&
      (await this.untilDone('connect the alert producer', () => this.producer.connect())) &&
      (await this.untilDone('read key-events', () => this.readKeys())) &&
      (await this.untilDone('rebuild state from Kafka', () => this.rebuild()));
    if (!ready) return;
    this.runner = new ConsumerRunner(this.conn, this.producer, this.loop.handle, {
      groupId: this.config.TW_DETECTOR_GROUP,
      topics: [this.names.tokenEvents],
      deadLetterTopic: this.names.deadLetters,
      fromBeginning: !ready.value.uncommittedLeftToLatest,
      minBytes: this.config.TW_DETECTOR_MIN_BYTES,
      maxWaitTimeMs: this.config.TW_DETECTOR_MAX_WAIT_MS,
      maxBytesPerPartition: this.config.TW_DETECTOR_MAX_BYTES_PER_PARTITION,
      partitionsConsumedConcurrently: this.config.TW_DETECTOR_PARTITIONS_CONCURRENTLY,
      retryBaseMs: this.config.TW_DETECTOR_RETRY_BASE_MS,
      retryMaxMs: this.config.TW_DETECTOR_RETRY_MAX_MS,
      sessionTimeoutMs: this.config.TW_DETECTOR_SESSION_TIMEOUT_MS,
      now: this.now,
      onFatal: this.onFatal,
    });
    if (!(await this.untilDone('start consuming', () => this.runner!.start()))) return;
    // Deferred follow-up versions go out even when no new batch arrives.
    const interval = Math.max(100, this.config.TW_DETECTOR_UPDATE_INTERVAL_MS);
    this.flushTimer = setInterval(() => {
      this.loop.emit().catch((err: unknown) => this.log('warn', 'could not publish alert updates; retrying', { error: (err as Error).message }));
    }, interval);
    this.state = 'running';
    this.log('info', 'detector running', {
      group: this.config.TW_DETECTOR_GROUP, topic: this.names.tokenEvents, alertsTopic: this.alertsTopic,
      rules: this.rules.rules.map((r) => r.id),
    });
  }

  /** Stop fetching, let the batch in hand publish its alerts and commit, close. Safe to call at any point. */
  async stop(): Promise<void> {
    if (this.state === 'stopping' || this.state === 'stopped') return;
    this.state = 'stopping';
    this.stopping.abort();
    clearInterval(this.flushTimer);
    await this.runner?.stop();
    await this.loop.emit(true).catch((err: unknown) => this.log('warn', 'alert updates left for the next start', { error: (err as Error).message }));
    await this.keyFeed.stop().catch(() => undefined);
    await this.producer.disconnect();
    this.state = 'stopped';
    this.log('info', 'detector stopped');
  }

  health(): DetectorHealth {
    return { status: this.state, rules: this.engine.stats(), partitions: this.runner?.stats.snapshot() ?? {} };
  }

  private async readKeys(): Promise<void> {
    await this.keyFeed.start();
    while (!this.keyFeed.caughtUp() && !this.stopping.signal.aborted) await sleep(50);
    this.log('info', 'key-events read', { keys: this.engine.keys.size });
  }

  /**
   * Open incidents from the alerts topic, then the token-events window up to
   * the committed offsets. Partitions the group never committed start live
   * at the replay start (a first start); returns whether that failed.
   */
  private async rebuild(): Promise<{ uncommittedLeftToLatest: boolean }> {
    const topic = this.names.tokenEvents;
    const group = this.config.TW_DETECTOR_GROUP;
    if (!this.config.TW_DETECTOR_REPLAY) {
      this.log('warn', 'state rebuild disabled (TW_DETECTOR_REPLAY=false): windows start empty');
      return { uncommittedLeftToLatest: false };
    }
    this.state = 'replaying';
    this.engine.reset(); // a retried rebuild starts over
    const started = this.now();
    const { windowsMs, incidentsMs } = lookbacks(this.rules);
    const alerts: Alert[] = [];
    const alertRecords = await readMerged(this.conn, this.alertsTopic, await rangesSince(this.conn, this.alertsTopic, started - incidentsMs), (r) => {
      if (r.value === null) return;
      try {
        const e = this.codec.decode(r.value);
        if (e.type === 'Alert') alerts.push(e.value);
      } catch (err) {
        if (!(err instanceof EventCodecError)) throw err;
        this.metrics.undecodableRecord(err.code);
      }
    });
    const restored = this.engine.seed(alerts);
    const plan = await planReplay(this.conn, topic, group, started - windowsMs);
    const replayed = await readMerged(this.conn, topic, plan.ranges, (r) => this.loop.ingest(r));
    // Versions the log implies but the alerts topic lacks (deferred updates, a crash before publishing).
    const published = await this.loop.emit(true);
    const initialized = await initGroupOffsets(this.conn, group, topic, plan.uncommitted);
    if (!initialized) this.log('warn', 'group has members; partitions without a committed offset start at the log end', { group });
    const seconds = (this.now() - started) / 1000;
    this.metrics.replay(this.alertsTopic, alertRecords);
    this.metrics.replay(topic, replayed);
    this.metrics.replayDone(seconds, restored);
    this.log('info', 'state rebuilt from Kafka', {
      alertRecords, restoredIncidents: restored, replayedRecords: replayed, publishedAfterReplay: published, seconds,
      ranges: plan.ranges, uncommitted: plan.uncommitted,
    });
    return { uncommittedLeftToLatest: !initialized };
  }

  private untilDone<T>(what: string, step: () => Promise<T>): Promise<{ value: T } | undefined> {
    return retryStartStep(what, step, {
      signal: this.stopping.signal, baseMs: this.config.TW_DETECTOR_RETRY_BASE_MS, maxMs: this.config.TW_DETECTOR_RETRY_MAX_MS, log: this.log,
    });
  }

}
