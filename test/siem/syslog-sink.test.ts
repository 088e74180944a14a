import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createTcpServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { DeliveryOutcome } from '../../apps/siem-forwarder/src/sinks/sink';
import { SyslogSink, SyslogSinkOptions } from '../../apps/siem-forwarder/src/sinks/syslog-sink';
import { parseCef, parseRfc5424 } from '../../apps/siem-forwarder/src/testing/cef-parser';
import { makeAlerts } from './support/harness';

/** A self-signed certificate for 127.0.0.1 and localhost, made with openssl. */
function selfSigned(dir: string, name: string): { key: string; cert: string } {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.pem`);
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
    '-keyout', key, '-out', cert, '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
  ], { stdio: 'pipe' });
  return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
}

/** Splits an octet-counted stream (RFC 6587) into messages; throws on a malformed frame. */
function octetFrames(data: Buffer): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < data.length) {
    const space = data.indexOf(0x20, i);
    const len = Number(data.toString('ascii', i, space));
    if (space < 0 || !Number.isInteger(len) || len <= 0) throw new Error(`bad frame at ${i}`);
    out.push(data.toString('utf8', space + 1, space + 1 + len));
    i = space + 1 + len;
  }
  return out;
}

type Behaviour = 'orderly' | 'reset-after-data' | 'never-close' | 'close-at-once';

/** A syslog receiver with a chosen way of ending connections; records what it read. */
async function receiver(behaviour: Behaviour, tls?: { key: string; cert: string }): Promise<Receiver> {
  const frames: string[] = [];
  const sockets = new Set<Socket>();
  const onSocket = (socket: Socket): void => {
    const chunks: Buffer[] = [];
    if (behaviour === 'close-at-once') {
      socket.destroy();
      return;
    }
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      if (behaviour === 'reset-after-data') socket.resetAndDestroy();
    });
    socket.on('end', () => {
      frames.push(...octetFrames(Buffer.concat(chunks)));
      if (behaviour === 'orderly') socket.end();
    });
    socket.on('error', () => undefined);
  };
  const server = tls ? createTlsServer({ ...tls, allowHalfOpen: true }, onSocket) : createTcpServer({ allowHalfOpen: true }, onSocket);
  server.on('connection', (s: Socket) => sockets.add(s)); // raw sockets, also those of failed TLS handshakes
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const close = async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  };
  return { close, port: (server.address() as { port: number }).port, frames };
}

interface Receiver {
  readonly port: number;
  readonly frames: string[];
  close(): Promise<void>;
}

const device = { vendor: 'Tokenwarden', product: 'Tokenwarden', version: '0.1.0' };
function sink(port: number, overrides: Partial<SyslogSinkOptions> = {}): SyslogSink {
  return new SyslogSink({
    name: 's',
    host: '127.0.0.1',
    port,
    tls: null,
    timeoutMs: 2000,
    now: Date.now,
    format: { facility: 13, hostname: 'fwd', appName: 'tokenwarden', sdId: 'tokenwarden@32473', device },
    ...overrides,
  });
}
const kinds = (outcomes: DeliveryOutcome[]) => outcomes.map((o) => (o.kind === 'failed' ? o.code : o.kind));

describe('SyslogSink (TCP and TLS, octet counting, delivery only after an orderly close)', () => {
  let dir: string;
  let servers: Receiver[];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tw-siem-tls-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  beforeEach(() => {
    servers = [];
  });
  afterEach(async () => {
    for (const s of servers) await s.close();
  });
  const start = async (behaviour: Behaviour, tls?: { key: string; cert: string }) => {
    const r = await receiver(behaviour, tls);
    servers.push(r);
    return r;
  };

  it('delivers over TLS to a receiver whose self-signed certificate it trusts', async () => {
    const cert = selfSigned(dir, 'server');
    const r = await start('orderly', cert);
    const alerts = makeAlerts(5);
    const outcomes = await sink(r.port, { tls: { ca: cert.cert } }).deliver(alerts, Date.now() + 5000);
    expect(kinds(outcomes)).toEqual(Array(5).fill('delivered'));
    expect(r.frames.map((f) => parseCef(parseRfc5424(f).message).extension.cs1)).toEqual(alerts.map((a) => a.alert_id));
    expect(parseRfc5424(r.frames[0]).pri).toBe(13 * 8 + 6); // facility 13, INFO
  });

  it('refuses a receiver whose certificate it does not trust, and sends nothing', async () => {
    const r = await start('orderly', selfSigned(dir, 'impostor'));
    const outcomes = await sink(r.port, { tls: { ca: selfSigned(dir, 'trusted').cert } }).deliver(makeAlerts(2), Date.now() + 5000);
    expect(kinds(outcomes)).toEqual(['ERR_SIEM_SINK_UNREACHABLE', 'ERR_SIEM_SINK_UNREACHABLE']);
    expect(outcomes[0].kind === 'failed' && outcomes[0].message).toMatch(/self[- ]signed|certificate/i);
    expect(r.frames).toEqual([]);
  });

  it('fails a round the receiver resets, or never closes, or closes before reading', async () => {
    const reset = await start('reset-after-data');
    expect(kinds(await sink(reset.port).deliver(makeAlerts(3), Date.now() + 5000))).toEqual(Array(3).fill('ERR_SIEM_SINK_UNREACHABLE'));
    const silent = await start('never-close');
    expect(kinds(await sink(silent.port, { timeoutMs: 300 }).deliver(makeAlerts(1), Date.now() + 5000))).toEqual(['ERR_SIEM_SINK_TIMEOUT']);
    const rude = await start('close-at-once');
    expect(kinds(await sink(rude.port).deliver(makeAlerts(1), Date.now() + 5000))).toEqual(['ERR_SIEM_SINK_UNREACHABLE']);
  });

  it('does not start a round past its deadline', async () => {
    const r = await start('orderly');
    expect(kinds(await sink(r.port).deliver(makeAlerts(2), Date.now() - 1))).toEqual(['skipped', 'skipped']);
    expect(r.frames).toEqual([]);
  });
});
