/**
 * The SIEM side of the demo: a private rsyslogd (Debian's, config from
 * infra/local/rsyslog/receiver.conf.template) writing every syslog message as
 * received to <dir>/syslog/messages.log, and an OCSF webhook receiver in this
 * process that checks the HMAC signature and appends each finding as one JSON
 * line to <dir>/ocsf-findings.jsonl. Signature failures are answered 401.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { join } from 'node:path';
import { Child, ROOT, spawnChild, until } from './processes';

const RSYSLOGD = ['/usr/sbin/rsyslogd', '/sbin/rsyslogd'].find((p) => existsSync(p));

export interface SiemReceivers {
  readonly syslogPort: number;
  readonly syslogFile: string;
  readonly rsyslogPid: number | undefined;
  readonly webhookPort: number;
  readonly webhookFile: string;
  /** Syslog messages received so far. */
  syslogLines(): string[];
  /** OCSF findings accepted so far (signature verified). */
  webhookFindings(): Array<Record<string, unknown>>;
  readonly badSignatures: () => number;
  close(): Promise<void>;
}

export async function startSiemReceivers(dir: string, webhookSecret: string): Promise<SiemReceivers> {
  if (!RSYSLOGD) throw new Error('rsyslogd not found: apt-get install rsyslog');
  const syslogDir = join(dir, 'syslog');
  mkdirSync(syslogDir, { recursive: true });
  const conf = join(syslogDir, 'receiver.conf');
  rmSync(join(syslogDir, 'port'), { force: true });
  const template = readFileSync(join(ROOT, 'infra/local/rsyslog/receiver.conf.template'), 'utf8');
  writeFileSync(conf, template.replaceAll('{{DIR}}', syslogDir).replaceAll('{{PORT}}', '0'));
  const rsyslog: Child = spawnChild('rsyslogd', RSYSLOGD, ['-n', '-f', conf, '-i', join(syslogDir, 'rsyslogd.pid')], process.env, join(syslogDir, 'rsyslogd.log'));
  const portFile = join(syslogDir, 'port');
  const syslogPort = await until(() => existsSync(portFile) && Number(readFileSync(portFile, 'utf8').trim()), 15000, 'rsyslogd to listen', 50);
  const syslogFile = join(syslogDir, 'messages.log');

  const webhookFile = join(dir, 'ocsf-findings.jsonl');
  writeFileSync(webhookFile, '');
  const findings: Array<Record<string, unknown>> = [];
  let bad = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const ts = String(req.headers['x-tokenwarden-timestamp'] ?? '');
      const want = Buffer.from(`sha256=${createHmac('sha256', webhookSecret).update(`${ts}.${raw}`).digest('hex')}`);
      const got = Buffer.from(String(req.headers['x-tokenwarden-signature'] ?? ''));
      if (got.length !== want.length || !timingSafeEqual(got, want)) {
        bad += 1;
        res.statusCode = 401;
        return void res.end();
      }
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        res.statusCode = 400;
        return void res.end();
      }
      findings.push(body);
      appendFileSync(webhookFile, `${raw.replace(/\n/g, ' ')}\n`);
      res.statusCode = 200;
      res.end('{"ok":true}');
    });
  });
  const webhookPort = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  });

  return {
    syslogPort, syslogFile, webhookPort, webhookFile,
    rsyslogPid: rsyslog.proc.pid,
    syslogLines: () => (existsSync(syslogFile) ? readFileSync(syslogFile, 'utf8').split('\n').filter((l) => l.length > 0) : []),
    webhookFindings: () => findings,
    badSignatures: () => bad,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
