import { createHash, randomUUID } from 'node:crypto';
import { Alert, encode, Severity } from '@tokenwarden/events';
import { bootstrapTopics, EventProducer, topicNames, TopicNames, topicSpecs } from '@tokenwarden/kafka';
import { testEnv, uniqueName } from '@tokenwarden/testing';
import { Admin, Kafka, logLevel } from 'kafkajs';
import { loadSiemForwarderConfig } from '../../../apps/siem-forwarder/src/siem-forwarder.config';
import type { LogLevel } from '@tokenwarden/config';
import { SiemForwarderRuntime } from '../../../apps/siem-forwarder/src/siem-forwarder-runtime';
import { sampleEvent } from '../../../libs/events/fixtures/samples';
import { connectedProducer, testConnection } from '../../kafka/kafka-fixture';

export const PARTITIONS = 2;
export const WEBHOOK_SECRET_ENV = 'TW_TEST_SIEM_WEBHOOK_SECRET';
export const WEBHOOK_SECRET = 'tokenwarden-test-webhook-secret-0123456789';

/** Fast settings for tests: quick polling of paused partitions, short rounds. */
const FAST_ENV = {
  TW_SIEM_POLL_BASE_MS: '50',
  TW_SIEM_POLL_MAX_MS: '500',
  TW_SIEM_ROUND_BUDGET_MS: '5000',
  TW_SIEM_SESSION_TIMEOUT_MS: '30000',
  TW_SIEM_HOSTNAME: 'tw-test',
};

/**
 * One test's world: its own topics (unique prefix), a producer for alerts,
 * and the forwarder runtime (in-process, built from the same config loader
 * as main.ts) with its own consumer group.
 */
export class ForwarderHarness {
  readonly runtimes: SiemForwarderRuntime[] = [];
  readonly logs: Array<{ level: LogLevel; message: string; fields?: Record<string, unknown> }> = [];
  readonly group = uniqueName('siem_group');
  private readonly kafka: Kafka;
  private readonly admin: Admin;

  private constructor(
    readonly prefix: string,
    readonly names: TopicNames,
    readonly producer: EventProducer,
  ) {
    this.kafka = new Kafka({ brokers: testEnv().kafkaBrokers, clientId: 'siem-test-admin', logLevel: logLevel.NOTHING });
    this.admin = this.kafka.admin();
  }

  static async create(): Promise<ForwarderHarness> {
    const prefix = `${uniqueName('siem')}.`;
    const names = topicNames(prefix);
    const conn = testConnection('siem-test');
    await bootstrapTopics(conn, topicSpecs(names, PARTITIONS));
    const h = new ForwarderHarness(prefix, names, await connectedProducer(conn));
    await h.admin.connect();
    return h;
  }

  /** Publishes alerts keyed by alert_id, as the detector does; resolves once Kafka acknowledged them. */
  async publish(alerts: readonly Alert[]): Promise<void> {
    await this.producer.publishAll(alerts.map((a) => ({ topic: this.names.alerts, key: a.alert_id, value: encode('Alert', a) })));
  }

  async publishRaw(values: ReadonlyArray<Buffer | null>): Promise<void> {
    await this.producer.publishAll(values.map((value, i) => ({ topic: this.names.alerts, key: `raw-${i}`, value })));
  }

  /** Starts a forwarder with `sinks` (the JSON of TW_SIEM_SINKS) and `env` on top of the test defaults. */
  async start(sinks: unknown, env: Record<string, string> = {}): Promise<SiemForwarderRuntime> {
    const config = loadSiemForwarderConfig({
      TW_KAFKA_BROKERS: testEnv().kafkaBrokers.join(','),
      TW_TOPIC_PREFIX: this.prefix,
      TW_TOPIC_PARTITIONS: String(PARTITIONS),
      TW_SIEM_GROUP: this.group,
      TW_SIEM_SINKS: JSON.stringify(sinks),
      [WEBHOOK_SECRET_ENV]: WEBHOOK_SECRET,
      ...FAST_ENV,
      ...env,
    });
    const runtime = new SiemForwarderRuntime(
      config,
      (level, message, fields) => this.logs.push({ level, message, fields }),
      (err) => this.logs.push({ level: 'error', message: 'FATAL', fields: { err: String(err) } }),
    );
    this.runtimes.push(runtime);
    await runtime.start();
    return runtime;
  }

  /** Sum of a metric's values whose labels include `labels`, from a runtime's registry. */
  async metric(runtime: SiemForwarderRuntime, name: string, labels: Record<string, string> = {}): Promise<number> {
    const metric = runtime.metrics.registry.getSingleMetric(name);
    if (!metric) throw new Error(`no metric ${name}`);
    const { values } = await metric.get();
    return values
      .filter((v) => Object.entries(labels).every(([k, want]) => String((v.labels as Record<string, unknown>)[k]) === want))
      .reduce((sum, v) => sum + v.value, 0);
  }

  /** Committed offsets of the forwarder's group on the alerts topic, summed over partitions (no commit = 0). */
  async committed(): Promise<number> {
    const [t] = await this.admin.fetchOffsets({ groupId: this.group, topics: [this.names.alerts] });
    return t.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
  }

  /** Records on the alerts topic (log end offsets summed). */
  async published(): Promise<number> {
    const offsets = await this.admin.fetchTopicOffsets(this.names.alerts);
    return offsets.reduce((sum, o) => sum + Number(o.high), 0);
  }

  async teardown(): Promise<void> {
    for (const r of this.runtimes) await r.stop();
    await this.producer.disconnect();
    await this.admin.disconnect();
  }
}

const SEVERITIES: Severity[] = ['INFO', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];
const T0 = Date.UTC(2025, 5, 1, 12, 0, 0);

/** `n` distinct OPEN alerts; `vary(i)` overrides fields (e.g. hostile titles). */
export function makeAlerts(n: number, vary: (i: number) => Partial<Alert> = () => ({})): Alert[] {
  const base = sampleEvent('Alert');
  const run = randomUUID();
  return Array.from({ length: n }, (_, i) => {
    const overrides = vary(i);
    return {
      ...base,
      alert_id: createHash('sha256').update(`${run}/${i}`).digest('hex').slice(0, 32),
      rule_id: ['excessive-reissues-subject', 'revoked-token-use', 'jti-many-ips'][i % 3],
      severity: SEVERITIES[i % SEVERITIES.length],
      title: `alert ${i}`,
      group_key: `key-${i}`,
      window_start: T0 + i * 60_000,
      window_end: T0 + i * 60_000 + 300_000,
      first_seen: T0 + i * 60_000 + 1000,
      last_seen: T0 + i * 60_000 + 2000 + i,
      count: 5 + i,
      threshold: 5,
      evidence_event_ids: [randomUUID(), randomUUID()],
      ...overrides,
      header: { ...base.header, event_id: randomUUID(), event_time: T0 + i * 60_000 + 3000, ip: i % 2 === 0 ? `10.0.${i >> 8}.${i & 255}` : null, ...overrides.header },
    };
  });
}

/** A follow-up of `alert`: same alert_id, a new Alert event with a higher count. */
export function followUp(alert: Alert): Alert {
  return {
    ...alert,
    status: 'UPDATED',
    count: alert.count + 1,
    last_seen: alert.last_seen + 1000,
    header: { ...alert.header, event_id: randomUUID(), event_time: alert.header.event_time + 1000 },
  };
}
