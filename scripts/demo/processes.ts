/**
 * Child processes of the demo and of `stack`: each service runs compiled from
 * dist/ as its own process, its stdout and stderr in a log file, and dies with
 * us: on Linux every child is started through `setpriv --pdeathsig TERM`, so
 * even a SIGKILL of the demo takes the children along; SIGINT/SIGTERM stop
 * them in order (SIGTERM, then SIGKILL after a grace period).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..', '..');
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));

export interface Child {
  readonly name: string;
  readonly proc: ChildProcess;
  readonly logFile: string;
  /** Exit code (or signal name) once it exited. */
  exit?: string;
}

const children: Child[] = [];

/** Starts `command args` with stdout/stderr appended to `logFile`. */
export function spawnChild(name: string, command: string, args: string[], env: NodeJS.ProcessEnv, logFile: string): Child {
  const fd = openSync(logFile, 'a');
  const [cmd, argv] = SETPRIV ? [SETPRIV, ['--pdeathsig', 'TERM', '--', command, ...args]] : [command, args];
  const proc = spawn(cmd, argv, { cwd: ROOT, env, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const child: Child = { name, proc, logFile };
  proc.once('exit', (code, signal) => (child.exit = signal ?? String(code)));
  children.push(child);
  return child;
}

/** A compiled service of dist/apps: node -r tsconfig-paths/register dist/apps/<app>/src/main.js. */
export function spawnService(app: string, env: Record<string, string>, logFile: string): Child {
  return spawnChild(app, process.execPath, ['-r', 'tsconfig-paths/register', join(ROOT, 'dist/apps', app, 'src/main.js')], {
    ...process.env, TS_NODE_PROJECT: join(ROOT, 'tsconfig.runtime.json'), ...env,
  }, logFile);
}

/** Stops every child still running, newest first: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopAll(graceMs = 8000): Promise<void> {
  const running = children.filter((c) => c.exit === undefined && c.proc.exitCode === null).reverse();
  await Promise.all(running.map(async (c) => {
    const exited = new Promise<void>((resolve) => c.proc.once('exit', () => resolve()));
    c.proc.kill('SIGTERM');
    const timer = setTimeout(() => c.proc.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }));
}

/** The first child that died on its own, if any. */
export function deadChild(): Child | undefined {
  return children.find((c) => c.exit !== undefined);
}

/** A TCP port free right now on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

/** Polls `check` until it returns a value other than undefined/false; fails after `timeoutMs` or when a child died. */
export async function until<T>(check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs: number, what: string, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const dead = deadChild();
    if (dead) throw new Error(`${dead.name} exited (${dead.exit}) while waiting for ${what}; see ${dead.logFile}`);
    let v: T | undefined | false;
    try {
      v = await check();
    } catch {
      v = undefined;
    }
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** GET a URL; resolves with status and body text. */
export async function get(url: string, timeoutMs = 2000): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  return { status: res.status, text: await res.text() };
}

/** Sum of a Prometheus counter/gauge over all label sets matching `labels` (substring match on the label text). */
export function metricSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const l = m[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`))) sum += Number(m[3]);
  }
  return sum;
}

/** Runs `cleanup` once on SIGINT/SIGTERM (then exits 130/143) and returns a function to run it explicitly. */
export function onSignals(cleanup: () => Promise<void>): void {
  let stopping = false;
  for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.on(sig, () => {
      if (stopping) return;
      stopping = true;
      process.stdout.write(`\n${sig}: stopping every process this run started ...\n`);
      void cleanup().finally(() => process.exit(code));
    });
  }
}
