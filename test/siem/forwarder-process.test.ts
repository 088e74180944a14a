import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testEnv, waitFor } from '@tokenwarden/testing';
import { ForwarderHarness, makeAlerts, PARTITIONS } from './support/harness';
import { judgeDelivery } from './support/oracle';
import { Rsyslog } from './support/rsyslog';
import { eventIdOf } from './support/syslog-check';

const ROOT = join(__dirname, '../..');
// Transpiles TypeScript on require and resolves @tokenwarden/* (shared with the projector's process tests).
const REGISTER = join(ROOT, 'scripts/ts-register.js');
const MAIN = join(ROOT, 'apps/siem-forwarder/src/main.ts');

/** apps/siem-forwarder/src/main.ts as a child process: its JSON log lines, stderr and exit. */
class ForwarderProcess {
  readonly logs: Array<Record<string, unknown>> = [];
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: string | null }>;

  constructor(private readonly child: ChildProcess) {
    let buffered = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (buffered + chunk).split('\n');
      buffered = lines.pop() ?? '';
      for (const l of lines) this.logs.push(JSON.parse(l) as Record<string, unknown>);
    });
    child.stderr?.setEncoding('utf8').on('data', (c: string) => (this.stderr += c));
    this.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  }

  static start(env: Record<string, string>): ForwarderProcess {
    const child = spawn(process.execPath, ['-r', REGISTER, MAIN], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    return new ForwarderProcess(child);
  }

  logged(message: string): Record<string, unknown> | undefined {
    return this.logs.find((l) => l.message === message);
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }
}

describe('siem-forwarder process (main.ts)', () => {
  let h: ForwarderHarness;
  let rsyslog: Rsyslog;
  let dir: string;
  let proc: ForwarderProcess | undefined;
  beforeEach(async () => {
    h = await ForwarderHarness.create();
    rsyslog = await Rsyslog.start();
    dir = mkdtempSync(join(tmpdir(), 'tw-siem-proc-'));
  });
  afterEach(async () => {
    proc?.kill('SIGKILL');
    await proc?.exited;
    proc = undefined;
    await h.teardown();
    await rsyslog.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const env = (sinksFile: string) => ({
    TW_KAFKA_BROKERS: testEnv().kafkaBrokers.join(','),
    TW_TOPIC_PREFIX: h.prefix,
    TW_TOPIC_PARTITIONS: String(PARTITIONS),
    TW_SIEM_GROUP: h.group,
    TW_SIEM_METRICS_PORT: '0',
    TW_SIEM_SINKS_FILE: sinksFile,
    TW_SIEM_SINKS: '',
  });

  it('delivers, serves /health and /metrics, and on SIGTERM stops cleanly with its offsets committed', async () => {
    const sinksFile = join(dir, 'sinks.json');
    writeFileSync(sinksFile, JSON.stringify({ sinks: [{ type: 'syslog', name: 'rsyslog', host: '127.0.0.1', port: rsyslog.port }] }));
    const alerts = makeAlerts(6);
    await h.publish(alerts);
    const p = (proc = ForwarderProcess.start(env(sinksFile)));
    await waitFor(() => p.logged('siem-forwarder running'), 60000, { what: 'the forwarder to start consuming' });
    await waitFor(() => rsyslog.lines().length >= alerts.length, 30000, { what: 'alerts at rsyslog' });

    const port = p.logged('siem-forwarder http listening')?.metricsPort as number;
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'running', sinks: ['rsyslog'] });
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toContain(`tw_siem_alerts_delivered_total{sink="rsyslog"} ${alerts.length}`);

    p.kill('SIGTERM');
    // Nest runs the shutdown hooks, then re-raises the signal: the process ends by SIGTERM, after a clean stop.
    expect(await p.exited).toEqual({ code: null, signal: 'SIGTERM' });
    expect(p.logged('siem-forwarder stopped')).toBeDefined();
    expect(await h.committed()).toBe(alerts.length); // the last round's offsets were committed on the way out
    expect(judgeDelivery(alerts.map((a) => a.header.event_id), rsyslog.lines().map(eventIdOf))).toMatchObject({ missing: [], raw: alerts.length });
  });

  it('refuses to start on a bad sinks file, naming every problem, with exit code 2', async () => {
    const sinksFile = join(dir, 'sinks.json');
    writeFileSync(sinksFile, JSON.stringify({ sinks: [{ type: 'syslog', name: 'Bad Name', host: '127.0.0.1', port: 0 }] }));
    const p = (proc = ForwarderProcess.start({ ...env(sinksFile), TW_SIEM_ROUND_BUDGET_MS: 'x' }));
    expect(await p.exited).toEqual({ code: 2, signal: null });
    expect(p.stderr).toContain('TW_SIEM_ROUND_BUDGET_MS must be an integer');
    expect(p.stderr).toContain(`${sinksFile}.sinks[0].name must match`);
    expect(p.stderr).toContain(`${sinksFile}.sinks[0].port must be an integer from 1 to 65535`);
  });
});
