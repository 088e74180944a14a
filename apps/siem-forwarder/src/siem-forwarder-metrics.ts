import { PartitionCounters, registerPartitionMetrics } from '@tokenwarden/kafka';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { DeliveryObserver } from './delivery/alert-forwarder';

type PartitionSnapshot = () => Record<string, PartitionCounters>;

/**
 * Prometheus metrics of one forwarder process: per sink, alerts delivered,
 * failed rounds (each followed by a retry) and alerts parked; per partition,
 * the consumer runner's counts, so consumed = delivered-everywhere + dead-lettered.
 */
export class SiemForwarderMetrics implements DeliveryObserver {
  readonly registry = new Registry();
  private readonly deliveredTotal: Counter;
  private readonly failuresTotal: Counter;
  private readonly retriesTotal: Counter;
  private readonly retryDelay: Histogram;
  private readonly parkedTotal: Counter;
  private readonly rejectedTotal: Counter;

  constructor(partitions: PartitionSnapshot) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'tw_siem_' });
    registerPartitionMetrics(this.registry, partitions, [
      { name: 'tw_siem_records_consumed_total', help: 'Alert records whose offset was resolved (on every sink, or dead-lettered).', type: 'counter', pick: (c) => c.processed + c.deadLettered },
      { name: 'tw_siem_records_dead_lettered_total', help: 'Alert records parked on the dead-letter topic.', type: 'counter', pick: (c) => c.deadLettered },
      { name: 'tw_siem_partition_pauses_total', help: 'Times a partition paused because some sink still lacked an alert.', type: 'counter', pick: (c) => c.retries },
      { name: 'tw_siem_consumer_lag', help: 'Records behind the high watermark at the last fetch.', type: 'gauge', pick: (c) => c.lag },
    ]);
    this.deliveredTotal = new Counter({ name: 'tw_siem_alerts_delivered_total', help: 'Alerts a sink accepted (a redelivery after a restart counts again).', labelNames: ['sink'], registers });
    this.failuresTotal = new Counter({ name: 'tw_siem_delivery_failures_total', help: 'Alerts left behind by failed delivery rounds, by error code.', labelNames: ['sink', 'code'], registers });
    this.retriesTotal = new Counter({ name: 'tw_siem_delivery_retries_total', help: 'Failed delivery rounds, each followed by a backoff and a retry.', labelNames: ['sink'], registers });
    this.retryDelay = new Histogram({
      name: 'tw_siem_retry_delay_seconds',
      help: 'Backoff chosen after a failed round (jittered exponential, at least the Retry-After).',
      labelNames: ['sink'],
      buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600],
      registers,
    });
    this.parkedTotal = new Counter({ name: 'tw_siem_alerts_parked_total', help: 'Alerts given up on a sink (retry bound spent, or refused), then dead-lettered.', labelNames: ['sink', 'code'], registers });
    this.rejectedTotal = new Counter({ name: 'tw_siem_records_rejected_total', help: 'Records on the alerts topic that are not deliverable alerts (counted per attempt).', labelNames: ['code'], registers });
  }

  delivered(sink: string, alerts: number): void {
    this.deliveredTotal.inc({ sink }, alerts);
  }

  failed(sink: string, code: string, alerts: number, delayMs: number): void {
    this.failuresTotal.inc({ sink, code }, alerts);
    this.retriesTotal.inc({ sink });
    this.retryDelay.observe({ sink }, delayMs / 1000);
  }

  parked(sink: string, code: string): void {
    this.parkedTotal.inc({ sink, code });
  }

  rejected(code: string): void {
    this.rejectedTotal.inc({ code });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
