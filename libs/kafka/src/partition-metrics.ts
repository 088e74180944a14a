import { Counter, Gauge, Registry } from 'prom-client';
import { PartitionCounters } from './partition-stats';

/** One Prometheus metric read from a consumer runner's per-partition counters. */
export interface PartitionMetricSpec {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge';
  readonly pick: (c: PartitionCounters) => number;
}

/**
 * Registers metrics that read the runner's counters (keyed "topic/partition")
 * at scrape time, labelled `topic` and `partition`, so what operators see is
 * exactly what the runner counted.
 */
export function registerPartitionMetrics(registry: Registry, partitions: () => Record<string, PartitionCounters>,
  specs: readonly PartitionMetricSpec[]): void {
  for (const spec of specs) {
    const Metric = spec.type === 'counter' ? Counter : Gauge;
    const metric: Counter | Gauge = new Metric({
      name: spec.name,
      help: spec.help,
      labelNames: ['topic', 'partition'],
      registers: [registry],
      collect() {
        metric.reset();
        for (const [key, c] of Object.entries(partitions())) {
          const cut = key.lastIndexOf('/');
          const labels = { topic: key.slice(0, cut), partition: key.slice(cut + 1) };
          if (metric instanceof Counter) metric.inc(labels, spec.pick(c));
          else metric.set(labels, spec.pick(c));
        }
      },
    });
  }
}
