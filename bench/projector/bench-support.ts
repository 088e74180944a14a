// Helpers shared by the projector benchmarks (drain-rate.ts, latency.ts).
// Benchmarks are not tests: they print and write numbers, they do not assert
// beyond "every event landed".
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { cpuSecondsOf } from '../pipeline/cpu-sampler';

/** Median of a non-empty list. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** The q-quantile (0..1) of a non-empty list, nearest rank. */
export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}

export const round = (n: number, digits = 0): number => Number(n.toFixed(digits));

/** Writes `report` as bench/out/<name>-<at>.json and returns the path. */
export function writeReport(name: string, report: { at: string }): string {
  const outDir = join(__dirname, '..', 'out');
  mkdirSync(outDir, { recursive: true });
  const out = join(outDir, `${name}-${report.at.replace(/[:.]/g, '-')}.json`);
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  return out;
}

/** Runs clickhouse-client with `inputFile` on stdin; resolves with the wall time in ms. */
export function clickhouseClient(args: string[], inputFile: string): Promise<number> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    // Asynchronous on purpose: a blocked event loop would leave idle sockets of the caller unretired.
    const child = spawn('sh', ['-c', 'exec clickhouse-client "$@" < "$0"', inputFile, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(Number(process.hrtime.bigint() - started) / 1e6) : reject(new Error(`clickhouse-client exited ${code}: ${stderr}`)),
    );
  });
}

/** Runs clickhouse-client and writes what it prints (a query's result) to `outputFile`. */
export function clickhouseClientOutput(args: string[], outputFile: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', 'exec clickhouse-client "$@" > "$0"', outputFile, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`clickhouse-client exited ${code}: ${stderr}`))));
  });
}

/** Fetch settings shared by the trivial consumer and the projector under test. */
export interface FetchSettings {
  minBytes: number;
  maxWaitTimeMs: number;
  maxBytesPerPartition: number;
  maxBytes: number;
  partitionsConsumedConcurrently: number;
}

export interface CountResult {
  /** From consumer.run() until `expected` records were counted (group join included). */
  ms: number;
  /** From consumer.run() until the first batch arrived: the group join and first fetch. */
  firstBatchMs: number;
}

/**
 * The Kafka ceiling: a kafkajs consumer in a fresh group that only counts the
 * records of `topic` from the beginning, with the projector's fetch settings.
 */
export async function countRecords(brokers: string[], topic: string, groupId: string, expected: number, fetch: FetchSettings): Promise<CountResult> {
  const kafka = new Kafka({ brokers, clientId: 'bench-trivial-consumer', logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({
    groupId,
    minBytes: fetch.minBytes,
    maxWaitTimeInMs: fetch.maxWaitTimeMs,
    maxBytesPerPartition: fetch.maxBytesPerPartition,
    maxBytes: fetch.maxBytes,
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    let counted = 0;
    let firstBatchMs = -1;
    const started = process.hrtime.bigint();
    const elapsedMs = () => Number(process.hrtime.bigint() - started) / 1e6;
    const ms = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`trivial consumer counted ${counted}/${expected}`)), 300_000);
      consumer
        .run({
          partitionsConsumedConcurrently: fetch.partitionsConsumedConcurrently,
          eachBatch: async ({ batch }) => {
            if (firstBatchMs < 0) firstBatchMs = elapsedMs();
            counted += batch.messages.length;
            if (counted >= expected) {
              clearTimeout(timer);
              resolve(elapsedMs());
            }
          },
        })
        .catch(reject);
    });
    return { ms, firstBatchMs };
  } finally {
    await consumer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
}

/** What Pipeline.projectorEnv sets for the fault tests (tiny fetches, fast retries), which a benchmark must not inherit. */
const TEST_SETTINGS = [
  'TW_PROJECTOR_MIN_BYTES',
  'TW_PROJECTOR_MAX_WAIT_MS',
  'TW_PROJECTOR_MAX_BYTES_PER_PARTITION',
  'TW_PROJECTOR_RETRY_BASE_MS',
  'TW_PROJECTOR_RETRY_MAX_MS',
  'TW_PROJECTOR_SESSION_TIMEOUT_MS',
];

/**
 * Environment of the projector under test: the pipeline's names with the
 * projector's own defaults (not the fault tests' settings), then any
 * TW_PROJECTOR_* of the caller, then `extra`.
 */
export function benchProjectorEnv(pipelineEnv: Record<string, string>, extra: Record<string, string> = {}): Record<string, string> {
  const env = Object.fromEntries(Object.entries(pipelineEnv).filter(([k]) => !TEST_SETTINGS.includes(k)));
  const overrides = Object.fromEntries(
    Object.entries(process.env).filter((e): e is [string, string] => e[0].startsWith('TW_PROJECTOR_') && e[1] !== undefined),
  );
  return { ...env, ...overrides, ...extra };
}

/** CPU pressure of the machine (Linux PSI, % of time some task waited for a CPU), or undefined elsewhere. */
export function cpuPressure(): { avg10: number; avg60: number } | undefined {
  try {
    const m = /^some avg10=([\d.]+) avg60=([\d.]+)/.exec(readFileSync('/proc/pressure/cpu', 'utf8'));
    return m ? { avg10: Number(m[1]), avg60: Number(m[2]) } : undefined;
  } catch {
    return undefined;
  }
}

/** Peak resident memory of a process in MiB (Linux /proc), or undefined elsewhere. */
export function peakRssMiB(pid: number): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

const CLICKHOUSE_PID_FILE = join(__dirname, '../../.local/clickhouse/clickhouse.pid');

/**
 * CPU time (ms, user + system) the infra/local ClickHouse server has used so
 * far, from /proc; undefined when it runs elsewhere (Docker, another host).
 * The difference over a run shows how much of the two cores the server took.
 */
export function clickhouseServerCpuMs(): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(CLICKHOUSE_PID_FILE, 'utf8').trim());
  } catch {
    return undefined;
  }
  const seconds = cpuSecondsOf(pid);
  return seconds === undefined ? undefined : seconds * 1000;
}
