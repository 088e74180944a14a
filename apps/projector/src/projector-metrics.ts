import { PartitionCounters, registerPartitionMetrics } from '@tokenwarden/kafka';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { ProjectionObserver } from './projection/batch-projector';
import { ProjectorTable } from './projection/row-mapping';

type PartitionSnapshot = () => Record<string, PartitionCounters>;

/**
 * Prometheus metrics of one projector process. Per-partition counts mirror the
 * consumer runner's stats, which count a record once its offset is resolved,
 * so consumed = landed + dead-lettered holds in the numbers operators see.
 */
export class ProjectorMetrics implements ProjectionObserver {
  readonly registry = new Registry();
  private readonly batchRecords: Histogram;
  private readonly insertSeconds: Histogram;
  private readonly rowsInserted: Counter;
  private readonly insertFailures: Counter;
  private readonly rejections: Counter;

  constructor(partitions: PartitionSnapshot) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'tw_projector_' });
    registerPartitionMetrics(this.registry, partitions, [
      { name: 'tw_projector_records_consumed_total', help: 'Records whose offset was resolved (landed or dead-lettered).', type: 'counter', pick: (c) => c.processed + c.deadLettered },
      { name: 'tw_projector_records_landed_total', help: 'Records written to ClickHouse.', type: 'counter', pick: (c) => c.processed },
      { name: 'tw_projector_records_dead_lettered_total', help: 'Records parked on the dead-letter topic.', type: 'counter', pick: (c) => c.deadLettered },
      { name: 'tw_projector_batch_retries_total', help: 'Batches paused for a retriable failure (ClickHouse or Kafka down).', type: 'counter', pick: (c) => c.retries },
      { name: 'tw_projector_consumer_lag', help: 'Records behind the high watermark at the last fetch.', type: 'gauge', pick: (c) => c.lag },
    ]);
    this.batchRecords = new Histogram({
      name: 'tw_projector_batch_records',
      help: 'Records per handled batch (one partition).',
      buckets: [1, 10, 50, 100, 500, 1000, 5000, 10000],
      registers,
    });
    this.insertSeconds = new Histogram({
      name: 'tw_projector_insert_duration_seconds',
      help: 'Latency of successful ClickHouse inserts.',
      labelNames: ['table'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.rowsInserted = new Counter({ name: 'tw_projector_rows_inserted_total', help: 'Rows inserted (a retried batch counts again).', labelNames: ['table'], registers });
    this.insertFailures = new Counter({ name: 'tw_projector_insert_failures_total', help: 'Failed inserts by error code.', labelNames: ['table', 'code'], registers });
    this.rejections = new Counter({ name: 'tw_projector_records_rejected_total', help: 'Poison records by error code (counted per attempt).', labelNames: ['code'], registers });
  }

  batch(records: number): void {
    this.batchRecords.observe(records);
  }

  rejected(code: string): void {
    this.rejections.inc({ code });
  }

  inserted(table: ProjectorTable, rows: number, seconds: number): void {
    this.rowsInserted.inc({ table }, rows);
    this.insertSeconds.observe({ table }, seconds);
  }

  insertFailed(table: ProjectorTable, code: string): void {
    this.insertFailures.inc({ table, code });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
