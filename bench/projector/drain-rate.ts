// Drain-rate benchmark of the projector (issue 4, part 4): a pre-filled
// token-events topic drained into ClickHouse by the real projector process
// (compiled, as production runs it), against two ceilings measured in the
// same run on the same topic and rows:
//   - clickhouse-client inserting exactly the rows the projector writes, in
//     one call, into a database with the same migrations (same materialized
//     views), in JSONEachRow, TabSeparated and RowBinary (the fastest counts);
//   - a trivial kafkajs consumer in a fresh group that only counts the records
//     (same fetch settings as the projector).
// ratio = projector rows/s / min(trivial consumer, clickhouse-client) rows/s
// per repetition; the report gives the median. Target: >= 0.7.
// Each contender runs once per repetition, in an order that rotates, so slow
// spells of the shared machine hit each of them in turn.
//
//   node -r ./scripts/ts-register.js bench/projector/drain-rate.ts
//
// Environment: BENCH_EVENTS (default 300000: about the backlog of a restart, see README), BENCH_REPEATS (default 3),
// BENCH_BASELINE_DIR (another checkout, e.g. `git archive HEAD` unpacked with
// node_modules linked: its projector is measured in the same repetitions, with
// its own defaults), BENCH_VARIANTS (JSON: name -> TW_PROJECTOR_* settings, each
// measured like the baseline), BENCH_CLICKHOUSE_TCP_PORT (clickhouse-client, default 19000),
// TW_KAFKA_BROKERS, TW_CLICKHOUSE_URL, and TW_PROJECTOR_* to tune the projector
// (its defaults otherwise). Writes bench/out/projector-drain-*.json.
import { rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, RowBinaryRows, sql } from '@tokenwarden/clickhouse';
import { loadInfraConfig } from '@tokenwarden/config';
import { decode } from '@tokenwarden/events';
import { waitFor } from '@tokenwarden/testing';
import { loadProjectorConfig } from '../../apps/projector/src/projector.config';
import { TABLE_COLUMNS, TABLE_SCHEMAS, toRow } from '../../apps/projector/src/projection/row-mapping';
import { tokenEvent } from '../../test/projector/support/events';
import { committedOffsets, endOffsets, sameOffsets } from '../../test/support/kafka-read';
import { Pipeline } from '../../test/projector/support/pipeline';
import { benchProjectorEnv, clickhouseClient, clickhouseClientOutput, clickhouseServerCpuMs, countRecords, cpuPressure, FetchSettings, median, peakRssMiB, round, writeReport } from './bench-support';
import { CompiledProjector } from './compiled-projector';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 300_000);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const TCP_PORT = process.env.BENCH_CLICKHOUSE_TCP_PORT ?? '19000';
const TARGET_RATIO = 0.7;
const FORMATS = ['JSONEachRow', 'TabSeparated', 'RowBinary'] as const;
type Format = (typeof FORMATS)[number];

/**
 * The projectors under test: this checkout, a baseline checkout when given,
 * and variants of this one with other settings (BENCH_VARIANTS, JSON: name ->
 * TW_PROJECTOR_* settings).
 */
const VARIANTS: Record<string, { root?: string; env?: Record<string, string> }> = {
  projector: {},
  ...(process.env.BENCH_BASELINE_DIR ? { baseline: { root: process.env.BENCH_BASELINE_DIR } } : {}),
  ...Object.fromEntries(Object.entries(JSON.parse(process.env.BENCH_VARIANTS ?? '{}') as Record<string, Record<string, string>>).map(([k, env]) => [k, { env }])),
};

interface ProjectorRun {
  /** From the projector's "projector running" log line until every row is in token_events and the group committed the topic. */
  ms: number;
  /** Until the first rows were visible (group join, first fetch, first insert). */
  firstRowsMs: number;
  /** Until every row was visible (the last insert's materialized views and the commit still to come). */
  landedMs: number;
  /** Handler calls (partition batches) and inserts. */
  batches: number;
  inserts: number;
  /** Sum of insert latencies (inserts may overlap). */
  insertMs: number;
  /** CPU of the projector process from "projector running" to the end (start-up excluded). */
  drainCpuMs: number;
  /** CPU of the ClickHouse server over the same span (infra/local only; other work on the server counts too). */
  serverCpuMs: number | undefined;
  peakRssMiB: number | undefined;
  /** ceiling ms / projector ms: min(trivial consumer, clickhouse-client) rate over the projector's. */
  ratio: number;
}

interface Repetition {
  clickhouseClientMs: Record<Format, number>;
  /** CPU of the ClickHouse server during each clickhouse-client insert. */
  clickhouseClientServerCpuMs: Record<Format, number | undefined>;
  trivialConsumer: { ms: number; firstBatchMs: number };
  projectors: Record<string, ProjectorRun>;
}

/** ClickHouse server CPU (ms) since `start`, a clickhouseServerCpuMs() reading. */
function serverCpuSince(start: number | undefined): number | undefined {
  const now = clickhouseServerCpuMs();
  return start === undefined || now === undefined ? undefined : Math.round(now - start);
}

async function main(): Promise<void> {
  const t = await Pipeline.create('bench_drain');
  const infra = loadInfraConfig(process.env);
  // The trivial consumer fetches as this checkout's projector does (its defaults unless TW_PROJECTOR_* say otherwise).
  const projectorConfig = loadProjectorConfig({ ...process.env, ...benchProjectorEnv(t.projectorEnv()) });
  const fetch: FetchSettings = {
    minBytes: projectorConfig.TW_PROJECTOR_MIN_BYTES,
    maxWaitTimeMs: projectorConfig.TW_PROJECTOR_MAX_WAIT_MS,
    maxBytesPerPartition: projectorConfig.TW_PROJECTOR_MAX_BYTES_PER_PARTITION,
    maxBytes: projectorConfig.TW_PROJECTOR_MAX_FETCH_BYTES,
    partitionsConsumedConcurrently: projectorConfig.TW_PROJECTOR_PARTITIONS_CONCURRENTLY,
  };
  const databases: string[] = [];
  const files: Record<Format, string> = {
    JSONEachRow: join(tmpdir(), `${t.database}.jsonl`),
    TabSeparated: join(tmpdir(), `${t.database}.tsv`),
    RowBinary: join(tmpdir(), `${t.database}.rowbinary`),
  };
  const pressureBefore = cpuPressure();
  try {
    const events = Array.from({ length: EVENTS }, (_, i) => tokenEvent(i));
    const prefillStart = Date.now();
    await t.publish(t.names.tokenEvents, events, { chunk: 2000 });
    const prefillMs = Date.now() - prefillStart;
    const bytes = events.reduce((n, e) => n + e.value.length, 0);

    // The exact rows the projector writes, in each format.
    const now = Date.now();
    const rows = events.map((e) => toRow(decode(e.value), now).row);
    writeFileSync(files.JSONEachRow, rows.map((r) => JSON.stringify(r)).join('\n'));
    const rowBinary = new RowBinaryRows(TABLE_SCHEMAS.token_events);
    for (const r of rows) rowBinary.push(r);
    writeFileSync(files.RowBinary, Buffer.concat(rowBinary.chunks));
    // TabSeparated as ClickHouse itself writes those rows (the projector no longer encodes it).
    const staging = `${t.database}_rows`;
    databases.push(staging);
    const columns = Object.entries(TABLE_SCHEMAS.token_events).map(([c, type]) => `${sql.identifier(c)} ${type}`);
    await t.store.command(`CREATE DATABASE ${sql.identifier(staging)}`);
    await t.store.command(`CREATE TABLE ${sql.identifier(`${staging}.rows`)} (${columns.join(', ')}) ENGINE = Memory`);
    await t.store.insertRowBinary(`${staging}.rows`, rowBinary);
    // DateTime as unix seconds, as the rows hold them (parsing them is cheaper than date text).
    const select = Object.entries(TABLE_SCHEMAS.token_events).map(([c, type]) => (type.includes('DateTime') ? `toUInt32(${c})` : c));
    await clickhouseClientOutput(['--port', TCP_PORT, '--query', `SELECT ${select.join(', ')} FROM ${staging}.rows FORMAT TabSeparated`], files.TabSeparated);
    await t.store.command(`DROP DATABASE ${sql.identifier(staging)}`);

    const dropDatabase = (db: string) => t.store.command(`DROP DATABASE IF EXISTS ${sql.identifier(db)}`).catch(() => undefined);
    const freshDatabase = async (label: string): Promise<string> => {
      const db = `${t.database}_${label}`;
      databases.push(db);
      await migrate(t.store, { database: db });
      return db;
    };
    const count = async (db: string): Promise<number> =>
      Number((await t.store.query<{ n: string }>(`SELECT toString(count()) AS n FROM ${sql.identifier(`${db}.token_events`)}`))[0].n);

    const ceiling = async (rep: number, format: Format): Promise<{ ms: number; serverCpuMs: number | undefined }> => {
      const db = await freshDatabase(`c${rep}_${format.toLowerCase()}`);
      const columns = format === 'JSONEachRow' ? '' : ` (${TABLE_COLUMNS.token_events.join(', ')})`;
      const serverCpu = clickhouseServerCpuMs();
      const ms = await clickhouseClient(['--port', TCP_PORT, '--query', `INSERT INTO ${db}.token_events${columns} FORMAT ${format}`], files[format]);
      const serverCpuMs = serverCpuSince(serverCpu);
      if ((await count(db)) !== EVENTS) throw new Error(`clickhouse-client ${format} inserted ${await count(db)} rows, expected ${EVENTS}`);
      await dropDatabase(db);
      return { ms, serverCpuMs };
    };

    const runProjector = async (rep: number, variant: string): Promise<Omit<ProjectorRun, 'ratio'>> => {
      const db = await freshDatabase(`v${Object.keys(VARIANTS).indexOf(variant)}_${rep}`);
      const group = `${t.group}_${variant}_${rep}`;
      const env = benchProjectorEnv(t.projectorEnv(), { ...VARIANTS[variant].env, TW_CLICKHOUSE_DATABASE: db, TW_PROJECTOR_GROUP: group });
      const projector = await CompiledProjector.start(env, { root: VARIANTS[variant].root });
      try {
        const started = projector.runningAt;
        const cpuAtStart = await projector.metric('tw_projector_process_cpu_seconds_total');
        const serverCpuAtStart = clickhouseServerCpuMs();
        let firstRowsMs = -1;
        let landedMs = -1;
        await waitFor(
          async () => {
            if (landedMs < 0) {
              const n = await count(db);
              if (n > 0 && firstRowsMs < 0) firstRowsMs = Date.now() - started;
              if (n >= EVENTS) landedMs = Date.now() - started;
              return false;
            }
            return sameOffsets(await committedOffsets(t.admin, group, t.names.tokenEvents), await endOffsets(t.admin, t.names.tokenEvents));
          },
          600_000,
          { what: `the ${variant} to drain the topic`, intervalMs: 25 },
        );
        const ms = Date.now() - started;
        const serverCpuMs = serverCpuSince(serverCpuAtStart);
        if ((await count(db)) !== EVENTS) throw new Error(`${variant} landed ${await count(db)} rows, expected ${EVENTS}`);
        return {
          ms,
          firstRowsMs,
          landedMs,
          batches: await projector.metric('tw_projector_batch_records_count'),
          inserts: await projector.metric('tw_projector_insert_duration_seconds_count'),
          insertMs: Math.round((await projector.metric('tw_projector_insert_duration_seconds_sum')) * 1000),
          drainCpuMs: Math.round(((await projector.metric('tw_projector_process_cpu_seconds_total')) - cpuAtStart) * 1000),
          peakRssMiB: peakRssMiB(projector.pid),
          serverCpuMs,
        };
      } finally {
        await projector.kill('SIGTERM');
        await t.admin.deleteGroups([group]).catch(() => undefined);
        await dropDatabase(db);
      }
    };

    const reps: Repetition[] = [];
    for (let rep = 1; rep <= REPEATS; rep += 1) {
      const r: Repetition = {
        clickhouseClientMs: { JSONEachRow: 0, TabSeparated: 0, RowBinary: 0 },
        clickhouseClientServerCpuMs: { JSONEachRow: undefined, TabSeparated: undefined, RowBinary: undefined },
        trivialConsumer: { ms: 0, firstBatchMs: 0 },
        projectors: {},
      };
      const runs: Record<string, Omit<ProjectorRun, 'ratio'>> = {};
      const steps: Array<() => Promise<void>> = [
        async () => {
          for (const f of FORMATS) {
            const c = await ceiling(rep, f);
            r.clickhouseClientMs[f] = Math.round(c.ms);
            r.clickhouseClientServerCpuMs[f] = c.serverCpuMs;
          }
        },
        async () => {
          const c = await countRecords(infra.TW_KAFKA_BROKERS, t.names.tokenEvents, `${t.group}_trivial_${rep}`, EVENTS, fetch);
          r.trivialConsumer = { ms: Math.round(c.ms), firstBatchMs: Math.round(c.firstBatchMs) };
        },
        ...Object.keys(VARIANTS).map((variant) => async () => {
          runs[variant] = await runProjector(rep, variant);
        }),
      ];
      for (let i = 0; i < steps.length; i += 1) await steps[(i + rep - 1) % steps.length]();
      const ceilingMs = Math.max(Math.min(...Object.values(r.clickhouseClientMs)), r.trivialConsumer.ms);
      for (const [variant, run] of Object.entries(runs)) r.projectors[variant] = { ...run, ratio: round(ceilingMs / run.ms, 3) };
      reps.push(r);
      console.log(`repetition ${rep}: ${JSON.stringify(r)}`);
    }

    const rate = (ms: number) => Math.round(EVENTS / (ms / 1000));
    const med = (f: (r: Repetition) => number) => median(reps.map(f));
    const perVariant = Object.fromEntries(
      Object.keys(VARIANTS).map((v) => [
        v,
        {
          ratio: med((r) => r.projectors[v].ratio),
          rowsPerSecond: rate(med((r) => r.projectors[v].ms)),
          firstRowsMs: med((r) => r.projectors[v].firstRowsMs),
          drainCpuMs: med((r) => r.projectors[v].drainCpuMs),
          cpuMicrosecondsPerRow: round((med((r) => r.projectors[v].drainCpuMs) * 1000) / EVENTS, 1),
          serverCpuMs: med((r) => r.projectors[v].serverCpuMs ?? 0),
          inserts: med((r) => r.projectors[v].inserts),
          peakRssMiB: med((r) => r.projectors[v].peakRssMiB ?? 0),
        },
      ]),
    );
    const report = {
      at: new Date().toISOString(),
      events: EVENTS,
      repetitions: REPEATS,
      avroBytes: bytes,
      cpus: cpus().length,
      loadAverage: loadavg().map((l) => round(l, 2)),
      cpuPressure: { before: pressureBefore, after: cpuPressure() },
      fetch,
      variants: VARIANTS,
      prefill: { ms: prefillMs, eventsPerSecond: rate(prefillMs) },
      medians: {
        clickhouseClientRowsPerSecond: Object.fromEntries(FORMATS.map((f) => [f, rate(med((r) => r.clickhouseClientMs[f]))])),
        clickhouseClientServerCpuMs: Object.fromEntries(FORMATS.map((f) => [f, med((r) => r.clickhouseClientServerCpuMs[f] ?? 0)])),
        trivialConsumerRowsPerSecond: rate(med((r) => r.trivialConsumer.ms)),
        ...perVariant,
      },
      target: TARGET_RATIO,
      pass: perVariant.projector.ratio >= TARGET_RATIO,
      repetitionsDetail: reps,
    };
    console.log(JSON.stringify(report.medians, null, 2));
    console.log(`written to ${writeReport('projector-drain', report)}`);
    process.exitCode = report.pass ? 0 : 1;
  } finally {
    for (const f of Object.values(files)) rmSync(f, { force: true });
    for (const db of databases) await t.store.command(`DROP DATABASE IF EXISTS ${sql.identifier(db)}`).catch(() => undefined);
    await t.teardown();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 2;
});
