// The projector as production runs it: compiled by tsc, started with node
// (npm run build && npm run start:projector), not transpiled on require like
// the fault tests' ProjectorProcess. On require, the TypeScript compiler
// lives in the projector's heap and every major GC walks it, which skews a
// throughput measurement. The build goes to bench/out/.build-<pid> (ignored by
// git, removed at exit; schemas/ is found above it), never to the shared dist/.
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '@tokenwarden/testing';

const ROOT = join(__dirname, '../..');
const built = new Set<string>();
// Per benchmark process: two benchmarks running at once must not compile into each other's output.
const outDir = (root: string) => join(root, 'bench/out', `.build-${process.pid}`);
process.on('exit', () => {
  for (const root of built) rmSync(outDir(root), { recursive: true, force: true });
});

/**
 * Compiles the apps and libs of the checkout at `root` once per benchmark run
 * (tsc -p tsconfig.build.json, into <root>/bench/out/.build-<pid>). Another root
 * (BENCH_BASELINE_DIR: e.g. `git archive HEAD` unpacked, node_modules linked)
 * lets one run measure the code before and after a change side by side.
 */
export function buildProjector(root = ROOT): void {
  if (built.has(root)) return;
  const OUT = outDir(root);
  try {
    execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json'), '--outDir', OUT], { stdio: 'pipe' });
  } catch (err) {
    // Type errors elsewhere in the tree (other work in progress) still emit JavaScript; only a missing main is fatal.
    const out = String((err as { stdout?: Buffer }).stdout ?? '');
    if (!/error TS/.test(out)) throw err;
  }
  writeFileSync(join(OUT, 'tsconfig.runtime.json'), JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { '@tokenwarden/*': ['libs/*/src/index'] } } }));
  built.add(root);
}

/** A compiled projector child process: its JSON log lines, /metrics scrapes, signals. */
export class CompiledProjector {
  readonly logs: Array<Record<string, unknown>> = [];
  private exit?: { code: number | null; signal: NodeJS.Signals | null };
  private readonly exited: Promise<void>;
  private stderr = '';

  private constructor(private readonly child: ChildProcess) {
    let buffered = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (buffered + chunk).split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        try {
          this.logs.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          this.logs.push({ message: line });
        }
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderr = (this.stderr + chunk).slice(-4000)));
    this.exited = new Promise((resolve) => child.on('exit', (code, signal) => ((this.exit = { code, signal }), resolve())));
  }

  /** Starts it with `env` over this process's environment; resolves once it consumes. */
  static async start(env: Record<string, string>, { root = ROOT, timeoutMs = 60000 } = {}): Promise<CompiledProjector> {
    buildProjector(root);
    const OUT = outDir(root);
    // BENCH_NODE_ARGS (in a variant's env): extra node flags for this run only, e.g. --cpu-prof (not allowed in NODE_OPTIONS).
    const nodeArgs = (env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const child = spawn(process.execPath, [...nodeArgs, '-r', 'tsconfig-paths/register', join(OUT, 'apps/projector/src/main.js')], {
      cwd: root,
      env: { ...process.env, TS_NODE_PROJECT: join(OUT, 'tsconfig.runtime.json'), TW_PROJECTOR_METRICS_PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const p = new CompiledProjector(child);
    try {
      await waitFor(() => p.exit !== undefined || p.logs.some((l) => l.message === 'projector running'), timeoutMs, { what: 'the projector to start', intervalMs: 10 });
    } catch (err) {
      child.kill('SIGKILL');
      throw new Error(`${(err as Error).message}\n${p.describe()}`);
    }
    if (p.exit) throw new Error(`projector exited at start\n${p.describe()}`);
    return p;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Wall-clock time (ms) of its "projector running" log line. */
  get runningAt(): number {
    return Date.parse(String(this.logs.find((l) => l.message === 'projector running')?.time));
  }

  /** Sum of a metric's samples (Prometheus text format). */
  async metric(name: string): Promise<number> {
    const port = this.logs.find((l) => typeof l.metricsPort === 'number')?.metricsPort as number;
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    let sum = 0;
    for (const line of text.split('\n')) {
      const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})? (\S+)$/.exec(line);
      if (m && m[1] === name) sum += Number(m[3]);
    }
    return sum;
  }

  async kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.exit) return;
    this.child.kill(signal);
    await this.exited;
  }

  describe(): string {
    return `projector pid ${this.child.pid}\nstdout:\n${this.logs.slice(-15).map((l) => JSON.stringify(l)).join('\n')}\nstderr:\n${this.stderr}`;
  }
}
