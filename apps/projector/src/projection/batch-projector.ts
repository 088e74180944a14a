import { ClickHouseError, ClickHouseRow, ClickHouseStore, sql } from '@tokenwarden/clickhouse';
import { DecodedEvent, EventCodec, EventCodecError } from '@tokenwarden/events';
import { BatchOutcome, ConsumedRecord, Rejection } from '@tokenwarden/kafka';
import { fieldRuleProblem } from './field-rules';
import { ProjectorError } from './projector-error';
import { ProjectedRow, ProjectorTable, toRow } from './row-mapping';

/** What the projector reports about its work; the metrics adapter implements it. */
export interface ProjectionObserver {
  batch(records: number): void;
  rejected(code: string): void;
  inserted(table: ProjectorTable, rows: number, seconds: number): void;
  insertFailed(table: ProjectorTable, code: string): void;
}

export interface BatchProjectorOptions {
  codec: EventCodec;
  store: Pick<ClickHouseStore, 'insert'>;
  database: string;
  maxRecordBytes: number;
  maxFutureMs: number;
  now: () => number;
  observer?: ProjectionObserver;
}

// ClickHouse codes that mean the table or column is not there: UNKNOWN_TABLE,
// UNKNOWN_DATABASE, NO_SUCH_COLUMN_IN_TABLE, UNKNOWN_IDENTIFIER. Dead-lettering
// each record would empty the stream into dead-letters; waiting keeps it in Kafka.
const SCHEMA_MISSING_CODES = new Set([60, 81, 16, 47]);

/**
 * The handler ConsumerRunner calls with one partition's batch. Poison records
 * (undecodable, too large, breaking a field rule) are returned as rejections
 * for the dead-letter topic; the rest are inserted, one insert per table.
 * It returns only after every row is in ClickHouse, so the runner commits
 * nothing that was not inserted; a retriable ClickHouse failure is thrown
 * as is, and the runner pauses the partition and retries the whole batch.
 */
export class BatchProjector {
  private readonly tables: Record<ProjectorTable, string>;

  constructor(private readonly options: BatchProjectorOptions) {
    const t = (name: ProjectorTable) => `${options.database}.${name}`;
    sql.identifier(t('token_events')); // refuses a bad database name at start
    this.tables = { token_events: t('token_events'), key_events: t('key_events'), alerts: t('alerts') };
  }

  /** Bound to ConsumerRunner: `new ConsumerRunner(conn, dlq, projector.handle, ...)`. */
  readonly handle = async (records: ConsumedRecord[]): Promise<BatchOutcome> => {
    this.options.observer?.batch(records.length);
    const rejected: Rejection[] = [];
    const byTable = new Map<ProjectorTable, ClickHouseRow[]>();
    const ingestedAt = this.options.now();
    for (const record of records) {
      const projected = this.project(record, ingestedAt);
      if ('code' in projected) {
        rejected.push({ record, code: projected.code, message: projected.message });
        this.options.observer?.rejected(projected.code);
        continue;
      }
      const rows = byTable.get(projected.table) ?? [];
      rows.push(projected.row);
      byTable.set(projected.table, rows);
    }
    for (const [table, rows] of byTable) await this.insert(table, rows);
    return { rejected };
  };

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
    const problem = fieldRuleProblem(event, ingestedAtMs, { maxFutureMs: this.options.maxFutureMs });
    if (problem) return { code: 'ERR_PROJECTOR_FIELD_RULE', message: `${event.type}: ${problem}` };
    return toRow(event, ingestedAtMs);
  }

  private async insert(table: ProjectorTable, rows: ClickHouseRow[]): Promise<void> {
    const started = process.hrtime.bigint();
    try {
      await this.options.store.insert(this.tables[table], rows);
    } catch (err) {
      const code = err instanceof ClickHouseError || err instanceof ProjectorError ? err.code : 'BUG';
      this.options.observer?.insertFailed(table, code);
      if (err instanceof ClickHouseError && err.serverCode !== undefined && SCHEMA_MISSING_CODES.has(err.serverCode)) {
        throw new ProjectorError('ERR_PROJECTOR_SCHEMA_MISSING', `${this.tables[table]} is missing or differs: ${err.message}`, { cause: err });
      }
      throw err;
    }
    this.options.observer?.inserted(table, rows.length, Number(process.hrtime.bigint() - started) / 1e9);
  }
}
