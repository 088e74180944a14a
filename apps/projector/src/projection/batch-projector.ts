import { ClickHouseError, ClickHouseStore, sql } from '@tokenwarden/clickhouse';
import { DecodedEvent, EventCodec, EventCodecError } from '@tokenwarden/events';
import { BatchOutcome, ConsumedRecord, Rejection } from '@tokenwarden/kafka';
import { fieldRuleProblem } from './field-rules';
import { Contribution, InsertBatcher, InsertObserver } from './insert-batcher';
import { ProjectedRow, ProjectorTable, toRow } from './row-mapping';

/** What the projector reports about its work; the metrics adapter implements it. */
export interface ProjectionObserver extends InsertObserver {
  batch(records: number): void;
  rejected(code: string): void;
}

export interface BatchProjectorOptions {
  codec: EventCodec;
  store: Pick<ClickHouseStore, 'insertRowBinary'>;
  database: string;
  maxRecordBytes: number;
  maxFutureMs: number;
  now: () => number;
  /** Largest insert while the handlers are still projecting (default 32768 rows). */
  maxInsertRows?: number;
  /** Inserts in flight at once (default 2). */
  maxInsertsInFlight?: number;
  observer?: ProjectionObserver;
}

// How many records a handler projects before it lets inserts start and other
// partitions' handlers run: small enough that an insert leaves early, large
// enough that yielding costs nothing measurable.
const YIELD_EVERY_RECORDS = 1000;

/**
 * The handler ConsumerRunner calls with one partition's batch. Poison records
 * (undecodable, too large, breaking a field rule, holding a value ClickHouse
 * cannot be sent) are returned as rejections for the dead-letter topic; the
 * rest are encoded as they are projected and inserted together with the rows
 * of the other partitions in hand (InsertBatcher). It returns only after every
 * row of its batch is in ClickHouse, so the runner commits nothing that was
 * not inserted; a retriable ClickHouse failure is thrown as is, and the runner
 * pauses the partition and retries the whole batch.
 */
export class BatchProjector {
  private readonly batcher: InsertBatcher;

  constructor(private readonly options: BatchProjectorOptions) {
    const t = (name: ProjectorTable) => `${options.database}.${name}`;
    sql.identifier(t('token_events')); // refuses a bad database name at start
    this.batcher = new InsertBatcher({
      store: options.store,
      tables: { token_events: t('token_events'), key_events: t('key_events'), alerts: t('alerts') },
      maxRows: options.maxInsertRows ?? 32768,
      maxInFlight: options.maxInsertsInFlight ?? 2,
      observer: options.observer,
    });
  }

  /** Bound to ConsumerRunner: `new ConsumerRunner(conn, dlq, projector.handle, ...)`. */
  readonly handle = async (records: ConsumedRecord[]): Promise<BatchOutcome> => {
    this.options.observer?.batch(records.length);
    const rejected: Rejection[] = [];
    const contribution = this.batcher.open();
    const ingestedAt = this.options.now();
    try {
      for (let i = 0; i < records.length; i += 1) {
        if (i > 0 && i % YIELD_EVERY_RECORDS === 0) await new Promise((resolve) => setImmediate(resolve));
        const record = records[i];
        const problem = this.projectInto(contribution, record, ingestedAt);
        if (problem) {
          rejected.push({ record, code: problem.code, message: problem.message });
          this.options.observer?.rejected(problem.code);
        }
      }
    } finally {
      contribution.close();
    }
    await contribution.landed();
    return { rejected };
  };

  /** Adds the record's row to the pending inserts, or says why it cannot land. */
  private projectInto(contribution: Contribution, record: ConsumedRecord, ingestedAtMs: number): { code: string; message: string } | undefined {
    const projected = this.project(record, ingestedAtMs);
    if ('code' in projected) return projected;
    try {
      contribution.add(projected.table, projected.row);
    } catch (err) {
      // A value the escaping helper refuses; ClickHouse would have refused the row anyway.
      if (err instanceof ClickHouseError && err.code === 'ERR_CLICKHOUSE_VALUE') return { code: err.code, message: err.message };
      throw err;
    }
    return undefined;
  }

  private project(record: ConsumedRecord, ingestedAtMs: number): ProjectedRow | { code: string; message: string } {
    const size = record.value?.length ?? 0;
    if (size > this.options.maxRecordBytes) {
      return { code: 'ERR_PROJECTOR_TOO_LARGE', message: `record of ${size} bytes exceeds ${this.options.maxRecordBytes}` };
    }
    let event: DecodedEvent;
    try {
      event = this.options.codec.decode(record.value as Uint8Array);
    } catch (err) {
      if (err instanceof EventCodecError) return { code: err.code, message: err.message };
      throw err;
    }
    const problem = fieldRuleProblem(event, ingestedAtMs, { maxFutureMs: this.options.maxFutureMs }, record.value as Buffer);
    if (problem) return { code: 'ERR_PROJECTOR_FIELD_RULE', message: `${event.type}: ${problem}` };
    return toRow(event, ingestedAtMs);
  }
}
