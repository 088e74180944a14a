import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@tokenwarden/testing';
import { accepts } from './net';

const ROOT = join(__dirname, '../../..');
const TEMPLATE = join(ROOT, 'infra/local/rsyslog/receiver.conf.template');
const RSYSLOGD = ['/usr/sbin/rsyslogd', '/sbin/rsyslogd'].find((p) => existsSync(p));

/**
 * Debian's rsyslogd as a real syslog receiver: its own config, work dir and
 * pid file under a temp dir, listening on 127.0.0.1, writing each message as
 * received to messages.log. Needs the `rsyslog` package (apt-get install rsyslog).
 */
export class Rsyslog {
  private exit: { code: number | null } | undefined;
  private stderr = '';
  private boundPort: number;

  private constructor(
    private readonly child: ChildProcess,
    readonly dir: string,
    port: number,
  ) {
    this.boundPort = port;
    child.stderr?.setEncoding('utf8').on('data', (c: string) => (this.stderr = (this.stderr + c).slice(-4000)));
    child.on('exit', (code) => (this.exit = { code }));
  }

  /** Starts rsyslogd on `port` (0: it picks one). Resolves once it accepts connections. */
  static async start(port = 0): Promise<Rsyslog> {
    if (!RSYSLOGD) throw new Error('rsyslogd not found: apt-get install rsyslog');
    const dir = mkdtempSync(join(tmpdir(), 'tw-rsyslog-'));
    const conf = join(dir, 'receiver.conf');
    writeFileSync(conf, readFileSync(TEMPLATE, 'utf8').replaceAll('{{DIR}}', dir).replaceAll('{{PORT}}', String(port)));
    const child = spawn(RSYSLOGD, ['-n', '-f', conf, '-i', join(dir, 'rsyslogd.pid')], { stdio: ['ignore', 'ignore', 'pipe'] });
    const r = new Rsyslog(child, dir, port);
    const portFile = join(dir, 'port');
    try {
      r.boundPort = await waitFor(
        async () => {
          if (r.exit) throw new Error(`rsyslogd exited with ${r.exit.code}: ${r.stderr}`);
          if (port !== 0) return (await accepts(port)) ? port : 0;
          return existsSync(portFile) ? Number(readFileSync(portFile, 'utf8').trim()) : 0;
        },
        15000,
        { what: 'rsyslogd to listen', intervalMs: 50 },
      );
      return r;
    } catch (err) {
      child.kill('SIGKILL');
      throw err;
    }
  }

  get port(): number {
    return this.boundPort;
  }

  /** Messages received so far, one per line, as received (framing removed). */
  lines(): string[] {
    const file = join(this.dir, 'messages.log');
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8').split('\n').filter((l) => l.length > 0);
  }

  async stop(): Promise<void> {
    if (!this.exit) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
