import { ClickHouseError, ClickHouseRow, ClickHouseStore, RowBinaryRows } from '@tokenwarden/clickhouse';
import { ProjectorError } from './projector-error';
import { ProjectorTable, TABLE_SCHEMAS } from './row-mapping';

/** What the batcher reports about its inserts (a part of ProjectionObserver). */
export interface InsertObserver {
  inserted(table: ProjectorTable, rows: number, seconds: number): void;
  insertFailed(table: ProjectorTable, code: string): void;
}

export interface InsertBatcherOptions {
  store: Pick<ClickHouseStore, 'insertRowBinary'>;
  /** Fully qualified name of each table. */
  tables: Readonly<Record<ProjectorTable, string>>;
  /** A pending insert of this many rows goes out even while rows are still being added to it. */
  maxRows: number;
  /** Inserts in flight at once. Rows that arrive meanwhile wait and go out together. */
  maxInFlight: number;
  observer?: InsertObserver;
}

// ClickHouse codes that mean the table or column is not there: UNKNOWN_TABLE,
// UNKNOWN_DATABASE, NO_SUCH_COLUMN_IN_TABLE, UNKNOWN_IDENTIFIER. Dead-lettering
// each record would empty the stream into dead-letters; waiting keeps it in Kafka.
const SCHEMA_MISSING_CODES = new Set([60, 81, 16, 47]);

interface Part {
  rows: RowBinaryRows;
  resolve(): void;
  reject(err: unknown): void;
}

/** The rows of one table that will go out in one insert, by the handler call that added them. */
class Pending {
  readonly parts = new Map<Contribution, Part>();
  rows = 0;
}

/**
 * The rows of one handler call (one partition's batch). `landed()` resolves
 * once every row it added is in ClickHouse, and rejects with the first insert
 * failure that concerns its own rows.
 */
export class Contribution {
  private readonly outcomes: Promise<void>[] = [];
  private open = true;

  constructor(private readonly batcher: InsertBatcher) {}

  get closed(): boolean {
    return !this.open;
  }

  /** Encodes `row` into the table's pending insert. Throws ERR_CLICKHOUSE_VALUE (nothing added) for a value that cannot be sent. */
  add(table: ProjectorTable, row: ClickHouseRow): void {
    this.batcher.add(this, table, row);
  }

  /** Registers this call's share of a pending insert (once per insert). */
  track(outcome: Promise<void>): void {
    // Handled here as well: an insert may fail before landed() is awaited.
    outcome.catch(() => undefined);
    this.outcomes.push(outcome);
  }

  /** No more rows: the pending inserts need not wait for this call any longer. */
  close(): void {
    this.open = false;
    this.batcher.schedule();
  }

  async landed(): Promise<void> {
    // Every insert settles before the handler returns, so no insert of this batch is still running when it is retried.
    const failed = (await Promise.allSettled(this.outcomes)).find((o) => o.status === 'rejected');
    if (failed) throw failed.reason;
  }
}

/**
 * Group commit for the projector's inserts. The consumer runner calls the
 * handler for several partitions at once; their rows are encoded as they are
 * projected and collected per table, so one insert carries the rows of every
 * partition in hand (ClickHouse 18.16 pays a large fixed cost per insert with
 * the analyst materialized views). An insert goes out when every handler call
 * in it has added all its rows, or when it reaches `maxRows`; with
 * `maxInFlight` inserts running, the next waits and grows meanwhile.
 *
 * A handler call learns the outcome of its own rows only: when an insert that
 * carries several calls' rows fails for good (a row ClickHouse refuses), each
 * call's rows are inserted again on their own, so the runner isolates poison
 * in the partition it came from and no other partition's record is blamed.
 */
export class InsertBatcher {
  private readonly pending = new Map<ProjectorTable, Pending>();
  private inFlight = 0;
  private scheduled = false;

  constructor(private readonly options: InsertBatcherOptions) {}

  /** Starts one handler call's share; close it when its rows are all added. */
  open(): Contribution {
    return new Contribution(this);
  }

  /** @internal Contribution.add */
  add(contribution: Contribution, table: ProjectorTable, row: ClickHouseRow): void {
    let pending = this.pending.get(table);
    if (!pending) this.pending.set(table, (pending = new Pending()));
    let part = pending.parts.get(contribution);
    if (!part) {
      const rows = new RowBinaryRows(TABLE_SCHEMAS[table]);
      let settle!: Pick<Part, 'resolve' | 'reject'>;
      contribution.track(new Promise<void>((resolve, reject) => (settle = { resolve, reject })));
      pending.parts.set(contribution, (part = { rows, ...settle }));
    }
    part.rows.push(row);
    pending.rows += 1;
    if (pending.rows >= this.due()) this.schedule();
  }

  /** Looks for inserts to start once the current synchronous work has yielded. */
  schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    for (const [table, pending] of this.pending) {
      if (this.inFlight >= this.options.maxInFlight) return;
      const complete = [...pending.parts.keys()].every((c) => c.closed);
      if (!complete && pending.rows < this.due()) continue;
      this.pending.delete(table);
      void this.send(table, pending);
    }
  }

  /**
   * Rows at which a pending insert leaves before its handler calls are done:
   * `maxRows`, or a quarter of it while no insert runs, so that ClickHouse
   * keeps working beside the projection and the insert left for the end of a
   * drain is small.
   */
  private due(): number {
    return this.inFlight === 0 ? Math.ceil(this.options.maxRows / 4) : this.options.maxRows;
  }

  private async send(table: ProjectorTable, pending: Pending): Promise<void> {
    this.inFlight += 1;
    const parts = [...pending.parts.values()];
    try {
      await this.insert(table, parts);
      for (const p of parts) p.resolve();
    } catch (err) {
      if (parts.length > 1 && isPoison(err)) {
        for (const p of parts) await this.insert(table, [p]).then(p.resolve, p.reject);
      } else for (const p of parts) p.reject(err);
    } finally {
      this.inFlight -= 1;
      this.schedule();
    }
  }

  private async insert(table: ProjectorTable, parts: readonly Part[]): Promise<void> {
    const rows = parts.reduce((n, p) => n + p.rows.rowCount, 0);
    if (rows === 0) return;
    const started = process.hrtime.bigint();
    const name = this.options.tables[table];
    try {
      await this.options.store.insertRowBinary(name, parts.map((p) => p.rows));
    } catch (err) {
      const code = err instanceof ClickHouseError || err instanceof ProjectorError ? err.code : 'BUG';
      this.options.observer?.insertFailed(table, code);
      if (err instanceof ClickHouseError && err.serverCode !== undefined && SCHEMA_MISSING_CODES.has(err.serverCode)) {
        throw new ProjectorError('ERR_PROJECTOR_SCHEMA_MISSING', `${name} is missing or differs: ${err.message}`, { cause: err });
      }
      throw err;
    }
    this.options.observer?.inserted(table, rows, Number(process.hrtime.bigint() - started) / 1e9);
  }
}

/** A failure retrying cannot fix (a row ClickHouse refuses), as opposed to ClickHouse being away or a bug. */
const isPoison = (err: unknown): boolean => err instanceof ClickHouseError && !err.retriable;
