import { ClickHouseStore, sql } from '@tokenwarden/clickhouse';
import { ConsumedRecord, DLQ_HEADERS } from '@tokenwarden/kafka';
import { decode } from '@tokenwarden/events';
import { Offsets } from '../../support/kafka-read';

/** What analysts see of one event table. */
export interface Observation {
  /** count() through the deduplicating analyst view (or whatever `countFrom` names). */
  analystCount: number;
  /** uniqExact(event_id) over the base table. */
  uniqueIds: number;
  /** Every distinct event_id in the base table. */
  ids: Set<string>;
}

export interface ObserveOptions {
  /** Base table; default token_events. */
  table?: string;
  /** What analysts count through; default `<table>_v`, the view of migration 004. */
  countFrom?: string;
}

export async function observe(store: ClickHouseStore, database: string, options: ObserveOptions = {}): Promise<Observation> {
  const table = sql.identifier(`${database}.${options.table ?? 'token_events'}`);
  const countFrom = sql.identifier(`${database}.${options.countFrom ?? `${options.table ?? 'token_events'}_v`}`);
  const [{ n }] = await store.query<{ n: string }>(`SELECT toString(count()) AS n FROM ${countFrom}`);
  const [{ u }] = await store.query<{ u: string }>(`SELECT toString(uniqExact(event_id)) AS u FROM ${table}`);
  const rows = await store.query<{ event_id: string }>(`SELECT DISTINCT event_id FROM ${table}`);
  return { analystCount: Number(n), uniqueIds: Number(u), ids: new Set(rows.map((r) => r.event_id)) };
}

/** The source partitions as Kafka holds them, for "consumed = landed + dead-lettered". */
export interface Ledger {
  /** Every record of the source topic (undecodable ones included). */
  source: ConsumedRecord[];
  /** The consumer group's committed offsets on the source topic. */
  committed: Offsets;
  /** Every record on the dead-letter topic (filtered to the source topic here). */
  deadLetters: ConsumedRecord[];
}

export interface Expectation {
  /** Ids whose publish Kafka acknowledged and that must land (poison excluded). */
  landed: ReadonlySet<string>;
  /** Every id the test ever tried to publish, poison included. */
  published: ReadonlySet<string>;
}

const idOf = (r: ConsumedRecord): string | undefined => {
  try {
    return r.value ? decode(r.value).value.header.event_id : undefined;
  } catch {
    return undefined;
  }
};

/**
 * The oracle of FAULTS.md. Returns every violation found (empty: it holds):
 *  1. each acknowledged event is in ClickHouse exactly once as analysts see it
 *     (analyst count = uniqExact(event_id) = acknowledged, no id missing);
 *  2. nothing appears that was never published;
 *  3. per partition, consumed (committed offset) = landed + dead-lettered, and
 *     no record is both.
 */
export function judge(obs: Observation, expected: Expectation, ledger?: Ledger): string[] {
  const failures: string[] = [];
  const n = expected.landed.size;
  if (obs.analystCount !== n) failures.push(`analysts count ${obs.analystCount} events, ${n} were acknowledged`);
  if (obs.uniqueIds !== n) failures.push(`uniqExact(event_id) is ${obs.uniqueIds}, ${n} were acknowledged`);
  const missing = [...expected.landed].filter((id) => !obs.ids.has(id));
  if (missing.length > 0) failures.push(`${missing.length} acknowledged events missing, e.g. ${missing.slice(0, 3).join(', ')}`);
  const foreign = [...obs.ids].filter((id) => !expected.published.has(id));
  if (foreign.length > 0) failures.push(`${foreign.length} events never published, e.g. ${foreign.slice(0, 3).join(', ')}`);
  if (ledger) failures.push(...balance(obs, ledger));
  return failures;
}

function balance(obs: Observation, ledger: Ledger): string[] {
  const failures: string[] = [];
  const topic = ledger.source[0]?.topic;
  const parked = new Set(
    ledger.deadLetters
      .filter((d) => d.headers[DLQ_HEADERS.sourceTopic] === topic)
      .map((d) => `${d.headers[DLQ_HEADERS.sourcePartition]}/${d.headers[DLQ_HEADERS.sourceOffset]}`),
  );
  for (const [partition, committed] of ledger.committed) {
    const consumed = ledger.source.filter((r) => r.partition === partition && Number(r.offset) < committed);
    let landed = 0;
    let deadLettered = 0;
    for (const r of consumed) {
      const id = idOf(r);
      const inClickHouse = id !== undefined && obs.ids.has(id);
      const onDeadLetters = parked.has(`${partition}/${r.offset}`);
      if (inClickHouse && onDeadLetters) failures.push(`partition ${partition} offset ${r.offset} both landed and dead-lettered`);
      if (inClickHouse) landed += 1;
      if (onDeadLetters) deadLettered += 1;
    }
    if (consumed.length !== committed || landed + deadLettered !== committed) {
      failures.push(`partition ${partition}: consumed ${committed} != landed ${landed} + dead-lettered ${deadLettered}`);
    }
  }
  return failures;
}

/**
 * A copy of a table that a negative control may damage, with its own
 * deduplicating view (`<name>_v`) built like the analysts' one; merges stay
 * off so duplicates remain visible to a plain count().
 */
export async function controlCopy(store: ClickHouseStore, database: string, name: string, where = '1'): Promise<string> {
  const copy = sql.identifier(`${database}.${name}`);
  await store.command(`CREATE TABLE ${copy} AS ${sql.identifier(`${database}.token_events`)}`);
  await store.command(`SYSTEM STOP MERGES ${copy}`);
  await store.command(`INSERT INTO ${copy} SELECT * FROM ${sql.identifier(`${database}.token_events`)} FINAL WHERE ${where}`);
  await store.command(`CREATE VIEW ${sql.identifier(`${database}.${name}_v`)} AS SELECT * FROM ${copy} FINAL`);
  return name;
}

/**
 * "Never commits past data not inserted": every offset below the group's
 * committed offset must belong to a row ClickHouse had when `landed` was read
 * (read after `committed`). Returns the violations per partition.
 */
export function commitsAheadOfInserts(committed: Offsets, landed: ReadonlySet<string>, source: readonly ConsumedRecord[]): string[] {
  const failures: string[] = [];
  for (const [partition, offset] of committed) {
    const missing = source.filter((r) => r.partition === partition && Number(r.offset) < offset && !landed.has(idOf(r) ?? ''));
    if (missing.length > 0) failures.push(`partition ${partition}: committed ${offset} but ${missing.length} records below it were not in ClickHouse`);
  }
  return failures;
}
