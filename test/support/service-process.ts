import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { waitFor } from '@tokenwarden/testing';

const ROOT = join(__dirname, '../..');
const REGISTER = join(ROOT, 'scripts/ts-register.js');

/** Which app to run and how it says it is ready. */
export interface ServiceSpec {
  /** Folder under apps/, e.g. `projector`. */
  readonly app: string;
  /** Its metrics-port variable, set to 0 so parallel tests never collide. */
  readonly metricsPortVar: string;
  /** The log message it prints once it consumes. */
  readonly readyMessage: string;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * A real service (apps/<app>/src/main.ts) as a child process, run from its
 * TypeScript sources, so a test can SIGKILL it like an orchestrator would: no
 * shutdown hook, no flush, no offset commit. Reads its JSON log lines and
 * scrapes its /metrics and /health endpoints.
 */
export class ServiceProcess {
  readonly logs: Array<Record<string, unknown>> = [];
  readonly exited: Promise<Exit>;
  private exit?: Exit;
  private stderr = '';

  private constructor(
    private readonly spec: ServiceSpec,
    private readonly child: ChildProcess,
  ) {
    let buffered = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
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
    this.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve((this.exit = { code, signal }))));
  }

  /** Starts the service with `env` on top of the test's environment; resolves once it consumes. */
  static async start(spec: ServiceSpec, env: Record<string, string>, timeoutMs: number): Promise<ServiceProcess> {
    const child = spawn(process.execPath, ['-r', REGISTER, join(ROOT, `apps/${spec.app}/src/main.ts`)], {
      cwd: ROOT,
      env: { ...process.env, [spec.metricsPortVar]: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const p = new ServiceProcess(spec, child);
    try {
      await waitFor(() => p.exit !== undefined || p.logged(spec.readyMessage) !== undefined, timeoutMs, {
        what: `the ${spec.app} to start consuming`,
      });
    } catch (err) {
      child.kill('SIGKILL');
      throw new Error(`${(err as Error).message}\n${p.describe()}`);
    }
    if (p.exit) throw new Error(`${spec.app} exited at start (${JSON.stringify(p.exit)})\n${p.describe()}`);
    return p;
  }

  get pid(): number {
    return this.child.pid!;
  }

  get alive(): boolean {
    return this.exit === undefined;
  }

  get metricsPort(): number {
    const line = this.logs.find((l) => typeof l.metricsPort === 'number');
    if (!line) throw new Error(`${this.spec.app} has not logged its metrics port`);
    return line.metricsPort as number;
  }

  /** The fields of the first log line with `message`. */
  logged(message: string): Record<string, unknown> | undefined {
    return this.logs.find((l) => l.message === message);
  }

  /** Sends `signal` and waits for the process to end. */
  async kill(signal: NodeJS.Signals): Promise<Exit> {
    if (this.exit) return this.exit;
    this.child.kill(signal);
    return this.exited;
  }

  async health(): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`http://127.0.0.1:${this.metricsPort}/health`);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  /** Sum of a metric's samples whose labels include `labels` (Prometheus text format). */
  async metric(name: string, labels: Record<string, string> = {}): Promise<number> {
    const text = await (await fetch(`http://127.0.0.1:${this.metricsPort}/metrics`)).text();
    let sum = 0;
    for (const line of text.split('\n')) {
      const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})? (\S+)$/.exec(line);
      if (!m || m[1] !== name) continue;
      const present = m[2] ?? '';
      if (Object.entries(labels).every(([k, v]) => present.includes(`${k}="${v}"`))) sum += Number(m[3]);
    }
    return sum;
  }

  /** Recent output, for failure messages. */
  describe(): string {
    const tail = this.logs.slice(-15).map((l) => JSON.stringify(l));
    return `${this.spec.app} pid ${this.child.pid} exit ${JSON.stringify(this.exit)}\nstdout:\n${tail.join('\n')}\nstderr:\n${this.stderr}`;
  }
}
