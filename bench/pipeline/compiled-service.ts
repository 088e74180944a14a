// A service as production runs it (npm run build && npm run start:<app>):
// the tsc build of bench/projector/compiled-projector.ts (one per benchmark
// process, apps and libs together), started with node. Generic over the app,
// so the projector and the detector run the same way side by side.
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '@tokenwarden/testing';
import { buildProjector } from '../projector/compiled-projector';

const ROOT = join(__dirname, '../..');
// Where buildProjector() compiles this process's build (see compiled-projector.ts).
const BUILD = join(ROOT, 'bench/out', `.build-${process.pid}`);

export interface CompiledApp {
  /** Folder under apps/. */
  app: 'projector' | 'detector';
  metricsPortVar: string;
  /** The log line it prints once it consumes. */
  readyMessage: string;
}

export const PROJECTOR: CompiledApp = { app: 'projector', metricsPortVar: 'TW_PROJECTOR_METRICS_PORT', readyMessage: 'projector running' };
export const DETECTOR: CompiledApp = { app: 'detector', metricsPortVar: 'TW_DETECTOR_METRICS_PORT', readyMessage: 'detector running' };

export class CompiledService {
  private exit?: { code: number | null; signal: NodeJS.Signals | null };
  private readonly exited: Promise<void>;
  private output = '';
  private ready = false;

  private constructor(
    readonly spec: CompiledApp,
    private readonly child: ChildProcess,
  ) {
    const keep = (chunk: string) => {
      this.output = (this.output + chunk).slice(-6000);
      if (!this.ready && this.output.includes(`"message":"${spec.readyMessage}"`)) this.ready = true;
    };
    child.stdout!.setEncoding('utf8').on('data', keep);
    child.stderr!.setEncoding('utf8').on('data', keep);
    this.exited = new Promise((resolve) => child.on('exit', (code, signal) => ((this.exit = { code, signal }), resolve())));
  }

  /** Builds once, starts `spec.app` with `env` over this process's environment; resolves once it consumes. */
  static async start(spec: CompiledApp, env: Record<string, string>, timeoutMs = 90_000): Promise<CompiledService> {
    buildProjector();
    const main = join(BUILD, `apps/${spec.app}/src/main.js`);
    if (!existsSync(main)) throw new Error(`no ${main}: compiled-projector.ts builds elsewhere now`);
    const child = spawn(process.execPath, ['-r', 'tsconfig-paths/register', main], {
      cwd: ROOT,
      env: { ...process.env, TS_NODE_PROJECT: join(BUILD, 'tsconfig.runtime.json'), [spec.metricsPortVar]: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const s = new CompiledService(spec, child);
    try {
      await waitFor(() => s.exit !== undefined || s.ready, timeoutMs, { what: `the ${spec.app} to start consuming`, intervalMs: 20 });
    } catch (err) {
      child.kill('SIGKILL');
      throw new Error(`${(err as Error).message}\n${s.describe()}`);
    }
    if (s.exit) throw new Error(`${spec.app} exited at start\n${s.describe()}`);
    return s;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return this.exit === undefined;
  }

  /** SIGTERM (its orderly shutdown), SIGKILL if it is not gone within `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    if (this.exit) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  describe(): string {
    return `${this.spec.app} pid ${this.child.pid} exit ${JSON.stringify(this.exit)}; output:\n${this.output.slice(-3000)}`;
  }
}
