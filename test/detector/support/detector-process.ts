import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { waitFor } from '@tokenwarden/testing';

const ROOT = join(__dirname, '../../..');
const REGISTER = join(__dirname, '../../../scripts/ts-register.js');
const MAIN = join(ROOT, 'apps/detector/src/main.ts');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * The real detector (apps/detector/src/main.ts) as a child process, so a
 * test can SIGKILL it like an orchestrator would: no shutdown hook, no
 * flush, no offset commit. Reads its JSON log lines and scrapes /metrics.
 */
export class DetectorProcess {
  readonly logs: Array<Record<string, unknown>> = [];
  readonly exited: Promise<Exit>;
  private exit?: Exit;
  private stderr = '';

  private constructor(private readonly child: ChildProcess) {
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

  /** Starts the detector with `env` on top of the test's environment; resolves once it consumes live. */
  static async start(env: Record<string, string>, timeoutMs = 60000): Promise<DetectorProcess> {
    const child = spawn(process.execPath, ['-r', REGISTER, MAIN], {
      cwd: ROOT,
      env: { ...process.env, TW_DETECTOR_METRICS_PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const p = new DetectorProcess(child);
    try {
      await waitFor(() => p.exit !== undefined || p.logs.some((l) => l.message === 'detector running'), timeoutMs, {
        what: 'the detector to consume live',
      });
    } catch (err) {
      child.kill('SIGKILL');
      throw new Error(`${(err as Error).message}\n${p.describe()}`);
    }
    if (p.exit) throw new Error(`detector exited at start (${JSON.stringify(p.exit)})\n${p.describe()}`);
    return p;
  }

  /** Sends `signal` and waits for the process to end. */
  async kill(signal: NodeJS.Signals): Promise<Exit> {
    if (this.exit) return this.exit;
    this.child.kill(signal);
    return this.exited;
  }

  /** The fields of the first log line with `message`. */
  logged(message: string): Record<string, unknown> | undefined {
    return this.logs.find((l) => l.message === message);
  }

  /** Recent output, for failure messages. */
  describe(): string {
    const tail = this.logs.slice(-15).map((l) => JSON.stringify(l));
    return `detector pid ${this.child.pid} exit ${JSON.stringify(this.exit)}\nstdout:\n${tail.join('\n')}\nstderr:\n${this.stderr}`;
  }
}
