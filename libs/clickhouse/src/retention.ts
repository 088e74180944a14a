import { ClickHouseError } from './clickhouse-error';
import { ClickHouseStore } from './clickhouse-store';
import { sql } from './sql';

const DAY_MS = 86_400_000;
// toYYYYMM(...) renders as six digits; anything else is not a monthly partition.
const MONTH_PARTITION = /^(\d{4})(\d{2})$/;

export interface RetentionOptions {
  database: string;
  /** Keep at least this many days: a month goes only when all of it is older. */
  retentionDays: number;
  /** List what would be dropped without dropping it. */
  dryRun?: boolean;
  now?: () => number;
  /** Receives one entry per partition dropped, kept for being unreadable, or failed. */
  log?: (entry: RetentionLogEntry) => void;
}

/** One partition the job looked at and did something about. */
export interface RetentionLogEntry {
  action: 'dropped' | 'would_drop' | 'skipped' | 'failed';
  table: string;
  partition: string;
  rows: number;
  bytes: number;
  /** Why a partition was skipped or failed (error code and message). */
  why?: string;
}

export interface RetentionResult {
  /** Rows older than this (UTC, ISO 8601) may go; whole months only. */
  cutoff: string;
  dropped: RetentionLogEntry[];
  skipped: RetentionLogEntry[];
  failed: RetentionLogEntry[];
  /** Monthly partitions inside the retention period, left alone. */
  kept: number;
}

/**
 * Epoch milliseconds at which a monthly partition's month ends (the first
 * instant of the next UTC month), or undefined when `partition` is not a
 * YYYYMM value.
 */
export function monthlyPartitionEnd(partition: string): number | undefined {
  const m = MONTH_PARTITION.exec(partition);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  if (year < 1970 || month < 1 || month > 12) return undefined;
  return Date.UTC(year, month, 1); // Date.UTC months are 0-based: this is the next month
}

/** The instant before which rows are past retention. */
export function retentionCutoff(nowMs: number, retentionDays: number): number {
  if (!Number.isInteger(retentionDays) || retentionDays < 1) {
    throw new ClickHouseError('ERR_CLICKHOUSE_VALUE', `retentionDays must be a positive integer, got ${retentionDays}`);
  }
  return nowMs - retentionDays * DAY_MS;
}

interface PartitionRow {
  table: string;
  partition: string;
  rows: string | number;
  bytes: string | number;
}

/**
 * Drops every monthly partition of every partitioned table in `database`
 * whose whole month lies before the retention cutoff: the event tables and
 * the materialized-view state tables alike, since both partition by the UTC
 * month of event time. Dropping whole partitions is metadata work on every
 * ClickHouse version (no TTL on 18.16). A partition that is not YYYYMM is
 * skipped and reported, never guessed at; a drop that fails is reported and
 * the job goes on with the others.
 */
export async function applyRetention(store: Pick<ClickHouseStore, 'command' | 'query'>, options: RetentionOptions): Promise<RetentionResult> {
  const now = options.now ?? Date.now;
  const cutoff = retentionCutoff(now(), options.retentionDays);
  const log = options.log ?? (() => undefined);
  const db = sql.identifier(options.database); // refuses a malformed name before any SQL is sent
  const parts = await store.query<PartitionRow>(
    'SELECT p.table AS table, p.partition AS partition, toString(sum(p.rows)) AS rows, ' +
      'toString(sum(p.bytes_on_disk)) AS bytes FROM system.parts AS p ' +
      `WHERE p.database = ${sql.string(options.database)} AND p.active ` +
      `AND p.table IN (SELECT name FROM system.tables WHERE database = ${sql.string(options.database)} AND partition_key != '') ` +
      'GROUP BY p.table, p.partition ORDER BY p.table, p.partition',
  );

  const result: RetentionResult = { cutoff: new Date(cutoff).toISOString(), dropped: [], skipped: [], failed: [], kept: 0 };
  for (const part of parts) {
    const entry = { table: part.table, partition: part.partition, rows: Number(part.rows), bytes: Number(part.bytes) };
    const end = monthlyPartitionEnd(part.partition);
    if (end === undefined) {
      record(result.skipped, log, { action: 'skipped', ...entry, why: 'not a monthly (YYYYMM) partition' });
    } else if (end > cutoff) {
      result.kept += 1;
    } else if (options.dryRun) {
      record(result.dropped, log, { action: 'would_drop', ...entry });
    } else {
      try {
        await store.command(
          `ALTER TABLE ${db}.${sql.identifier(part.table)} DROP PARTITION ${sql.number(Number(part.partition))}`,
        );
        record(result.dropped, log, { action: 'dropped', ...entry });
      } catch (err) {
        if (!(err instanceof ClickHouseError)) throw err;
        record(result.failed, log, { action: 'failed', ...entry, why: `${err.code}: ${err.message}` });
      }
    }
  }
  return result;
}

function record(list: RetentionLogEntry[], log: (entry: RetentionLogEntry) => void, entry: RetentionLogEntry): void {
  list.push(entry);
  log(entry);
}
