// Drain-rate benchmark of the projector (issue 4, part 4): a pre-filled
// token-events topic drained into ClickHouse by the real projector process,
// against the ceiling of the same rows inserted by clickhouse-client in the
// same run, into a database with the same migrations (same materialized
// views). Target: projector rows/s >= 0.7 x clickhouse-client rows/s.
//
//   node -r ./test/projector/support/ts-register.js bench/projector/drain-rate.ts
//
// Environment: BENCH_EVENTS (default 100000), TW_KAFKA_BROKERS,
// TW_CLICKHOUSE_URL, BENCH_CLICKHOUSE_TCP_PORT (clickhouse-client, default
// 19000), and TW_PROJECTOR_* to tune the projector. Writes bench/out/.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, sql } from '@tokenwarden/clickhouse';
import { decode } from '@tokenwarden/events';
import { waitFor } from '@tokenwarden/testing';
import { toRow } from '../../apps/projector/src/projection/row-mapping';
import { tokenEvent } from '../../test/projector/support/events';
import { Pipeline } from '../../test/projector/support/pipeline';
import { ProjectorProcess } from '../../test/projector/support/projector-process';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);
const TCP_PORT = process.env.BENCH_CLICKHOUSE_TCP_PORT ?? '19000';
const TARGET_RATIO = 0.7;

async function main(): Promise<void> {
  const t = await Pipeline.create('bench_drain');
  const ceilingDb = `${t.database}_ceiling`;
  const ceilingDbs: string[] = [];
  let projector: ProjectorProcess | undefined;
  try {
    const events = Array.from({ length: EVENTS }, (_, i) => tokenEvent(i));
    const prefillStart = Date.now();
    await t.publish(t.names.tokenEvents, events, { chunk: 2000 });
    const prefillMs = Date.now() - prefillStart;
    const bytes = events.reduce((n, e) => n + e.value.length, 0);

    // Ceiling: the exact rows the projector writes, one clickhouse-client insert
    // into a database with the same migrations. Measured before and after the
    // projector (the machine is shared), the mean is the ceiling.
    const now = Date.now();
    const file = join(tmpdir(), `${ceilingDb}.jsonl`);
    writeFileSync(file, events.map((e) => JSON.stringify(toRow(decode(e.value), now).row)).join('\n'));
    const ceiling = async (round: number): Promise<number> => {
      const db = `${ceilingDb}_${round}`;
      ceilingDbs.push(db);
      await migrate(t.store, { database: db });
      const started = process.hrtime.bigint();
      // Asynchronous on purpose: a blocked event loop would leave the store's idle sockets unretired.
      await clickhouseClient(['--port', TCP_PORT, '--query', `INSERT INTO ${db}.token_events FORMAT JSONEachRow`], file);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const [{ n }] = await t.store.query<{ n: string }>(`SELECT toString(count()) AS n FROM ${sql.identifier(`${db}.token_events`)}`);
      if (Number(n) !== EVENTS) throw new Error(`ceiling inserted ${n} rows, expected ${EVENTS}`);
      return ms;
    };
    const clientMsBefore = await ceiling(1);

    // The projector: from "consuming" until the group committed the whole topic.
    projector = await ProjectorProcess.start(t.projectorEnv({
      TW_PROJECTOR_MIN_BYTES: process.env.TW_PROJECTOR_MIN_BYTES ?? '1048576',
      TW_PROJECTOR_MAX_WAIT_MS: process.env.TW_PROJECTOR_MAX_WAIT_MS ?? '200',
      TW_PROJECTOR_MAX_BYTES_PER_PARTITION: process.env.TW_PROJECTOR_MAX_BYTES_PER_PARTITION ?? String(32 * 1024 * 1024),
      TW_PROJECTOR_MAX_FETCH_BYTES: process.env.TW_PROJECTOR_MAX_FETCH_BYTES ?? String(64 * 1024 * 1024),
      TW_PROJECTOR_PARTITIONS_CONCURRENTLY: process.env.TW_PROJECTOR_PARTITIONS_CONCURRENTLY ?? '3',
    }), 60000);
    const drainStart = Date.now();
    const table = sql.identifier(`${t.database}.token_events`);
    await waitFor(async () => Number((await t.store.query<{ n: string }>(`SELECT toString(count()) AS n FROM ${table}`))[0].n) > 0, 60000, {
      what: 'the first rows',
      intervalMs: 20,
    });
    const firstRowsMs = Date.now() - drainStart;
    await waitFor(() => t.drained(), 600_000, { what: 'the projector to drain the topic', intervalMs: 50 });
    const drainMs = Date.now() - drainStart;
    const obs = await t.observe();
    if (obs.uniqueIds !== EVENTS) throw new Error(`projector landed ${obs.uniqueIds} events, expected ${EVENTS}`);
    const batches = await projector.metric('tw_projector_batch_records_count');
    const insertSeconds = await projector.metric('tw_projector_insert_duration_seconds_sum');
    const cpuSeconds = await projector.metric('tw_projector_process_cpu_seconds_total');

    await projector.kill('SIGTERM');
    const clientMsAfter = await ceiling(2);
    const clientMs = (clientMsBefore + clientMsAfter) / 2;
    const projectorRate = EVENTS / (drainMs / 1000);
    const steadyRate = EVENTS / ((drainMs - firstRowsMs) / 1000);
    const clientRate = EVENTS / (clientMs / 1000);
    const report = {
      at: new Date().toISOString(),
      events: EVENTS,
      avroBytes: bytes,
      cpus: cpus().length,
      prefill: { ms: prefillMs, eventsPerSecond: Math.round(EVENTS / (prefillMs / 1000)) },
      clickhouseClient: { msBefore: Math.round(clientMsBefore), msAfter: Math.round(clientMsAfter), rowsPerSecond: Math.round(clientRate) },
      projector: {
        ms: drainMs,
        firstRowsMs,
        rowsPerSecond: Math.round(projectorRate),
        /** From the first rows landing (consumer group joined) to the end. */
        steadyRowsPerSecond: Math.round(steadyRate),
        batches,
        rowsPerBatch: Math.round(EVENTS / batches),
        insertMs: Math.round(insertSeconds * 1000),
        processCpuMs: Math.round(cpuSeconds * 1000),
      },
      ratio: Number((projectorRate / clientRate).toFixed(3)),
      steadyRatio: Number((steadyRate / clientRate).toFixed(3)),
      target: TARGET_RATIO,
      pass: projectorRate / clientRate >= TARGET_RATIO,
    };
    const outDir = join(__dirname, '..', 'out');
    mkdirSync(outDir, { recursive: true });
    const out = join(outDir, `projector-drain-${report.at.replace(/[:.]/g, '-')}.json`);
    writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
    console.log(JSON.stringify(report, null, 2));
    console.log(`written to ${out}`);
    process.exitCode = report.pass ? 0 : 1;
  } finally {
    await projector?.kill('SIGTERM');
    for (const db of ceilingDbs) await t.store.command(`DROP DATABASE IF EXISTS ${sql.identifier(db)}`).catch(() => undefined);
    await t.teardown();
  }
}

function clickhouseClient(args: string[], inputFile: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', 'exec clickhouse-client "$@" < "$0"', inputFile, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`clickhouse-client exited ${code}: ${stderr}`))));
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 2;
});
