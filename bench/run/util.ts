// Small helpers of the benchmark harness (bench/run.ts): progress output,
// child processes whose output is echoed with a prefix, medians.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { cpuPressure } from '../projector/bench-support';

export const ROOT = join(__dirname, '../..');
const started = Date.now();

/** One progress line on stderr, with the time since the harness started. */
export function progress(message: string): void {
  const s = ((Date.now() - started) / 1000).toFixed(0).padStart(4);
  process.stderr.write(`[bench ${s}s] ${message}\n`);
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export const round = (n: number, digits = 0): number => Number(n.toFixed(digits));

export interface ChildResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * Runs `command args` from the repository root, echoing each line of its
 * output as progress (prefixed with `label`) unless `quiet`; rejects when it
 * outlives `timeoutMs` (the child is then killed).
 */
export function runChild(label: string, command: string, args: string[], options: { env?: Record<string, string>; timeoutMs?: number; quiet?: boolean } = {}): Promise<ChildResult> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const echo = (chunk: string) => {
      if (options.quiet) return;
      for (const line of chunk.split('\n')) if (line.trim() !== '') progress(`  ${label}: ${line.length > 200 ? `${line.slice(0, 200)}…` : line}`);
    };
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
      echo(c);
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
      echo(c);
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${label} did not finish within ${options.timeoutMs} ms`));
    }, options.timeoutMs ?? 600_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

/** Message of an unknown error, one line. */
export const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err)).split('\n')[0].slice(0, 300);

/** A phase starts on a quiet machine: CPU pressure (PSI some avg10) at most this, ... */
const QUIET_PRESSURE = 10;
/** ... or after this long, whichever comes first. */
const QUIET_WAIT_MS = 45_000;

/**
 * Waits until the work of the phase before (a broker flushing, a server
 * merging) has died down, so it does not land on the next phase's
 * measurement. Returns the seconds waited and the pressure at the start.
 */
export async function untilQuiet(): Promise<{ seconds: number; pressureBefore?: number; pressureAfter?: number }> {
  const t0 = Date.now();
  const before = cpuPressure()?.avg10;
  let now = before;
  while (now !== undefined && now > QUIET_PRESSURE && Date.now() - t0 < QUIET_WAIT_MS) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    now = cpuPressure()?.avg10;
  }
  return { seconds: round((Date.now() - t0) / 1000, 1), pressureBefore: before, pressureAfter: now };
}
