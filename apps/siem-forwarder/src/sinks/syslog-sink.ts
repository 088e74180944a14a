import { isIP, connect as netConnect, Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { Alert } from '@tokenwarden/events';
import { alertToSyslog, AlertSyslogOptions } from '../format/alert-syslog';
import { frameOctetCounted } from '../format/syslog';
import { DELIVERED, DeliveryOutcome, networkFailure, Sink, SKIPPED } from './sink';

/** How long a new connection must stay open before a round is written (see send). */
const SETTLE_MS = 20;

export interface SyslogSinkOptions {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** PEM material; null = plain TCP. The server certificate is always verified. */
  readonly tls: null | { readonly ca?: string; readonly cert?: string; readonly key?: string; readonly serverName?: string };
  /** Longest a round (connect, write, close handshake) may take. */
  readonly timeoutMs: number;
  readonly format: AlertSyslogOptions;
  readonly now: () => number;
}

/**
 * Syslog over TCP or TLS, RFC 5424 messages framed by octet counting (RFC 6587).
 *
 * Plain syslog has no acknowledgement, so each round uses its own connection
 * and counts as delivered only after an orderly close: we write every frame,
 * half-close (FIN, or TLS close_notify), and wait for the receiver to close
 * its side. A receiver closes only after it has read up to our FIN, so every
 * frame reached it; a reset, an early close or a timeout fails the whole
 * round, which is then resent (a receiver may see a duplicate, never a gap;
 * alert_id and event_id let it deduplicate). What TCP cannot show is a
 * receiver that reads the frames and then drops them; RELP (not built) or
 * the TLS receiver's own queue guarantees would be needed for that.
 */
export class SyslogSink implements Sink {
  constructor(private readonly options: SyslogSinkOptions) {}

  get name(): string {
    return this.options.name;
  }

  async deliver(alerts: readonly Alert[], deadlineMs: number): Promise<DeliveryOutcome[]> {
    if (alerts.length === 0) return [];
    const budgetMs = Math.min(this.options.timeoutMs, deadlineMs - this.options.now());
    if (budgetMs <= 0) return alerts.map(() => SKIPPED);
    const payload = Buffer.concat(alerts.map((a) => frameOctetCounted(alertToSyslog(a, this.options.format))));
    try {
      await this.send(payload, budgetMs);
      return alerts.map(() => DELIVERED);
    } catch (err) {
      const failure = networkFailure(err, `syslog ${this.options.host}:${this.options.port}`);
      return alerts.map(() => failure);
    }
  }

  async close(): Promise<void> {
    // Nothing held between rounds.
  }

  private send(payload: Buffer, budgetMs: number): Promise<void> {
    const { host, port, tls } = this.options;
    return new Promise<void>((resolve, reject) => {
      let ended = false;
      let peerClosed = false;
      let settled = false;
      const finish = (err?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) {
          socket.destroy();
          reject(err);
        } else resolve();
      };
      const timer = setTimeout(
        () => finish(Object.assign(new Error(`no orderly close within ${budgetMs} ms`), { code: 'ERR_SIEM_SINK_TIMEOUT' })),
        budgetMs,
      );
      // A receiver that refuses the session (over its session limit, shutting down) accepts and
      // closes at once; its FIN could cross our frames in flight and pass for an orderly close.
      // Writing only after a short settle lets such a close arrive first, where it fails the round.
      // setImmediate runs after the event loop's I/O phase, so a FIN that arrived during the settle
      // is seen first even when the loop was too busy to run the timer on time.
      const onConnected = () => {
        setTimeout(() => {
          setImmediate(() => {
            if (settled || peerClosed) return;
            socket.write(payload);
            socket.end();
            ended = true;
          });
        }, SETTLE_MS);
      };
      const socket: Socket =
        tls === null
          ? netConnect({ host, port }, onConnected)
          : tlsConnect(
              { host, port, ca: tls.ca, cert: tls.cert, key: tls.key, servername: tls.serverName ?? (isIP(host) === 0 ? host : undefined), minVersion: 'TLSv1.2' },
              onConnected,
            );
      socket.setNoDelay(true);
      socket.resume(); // a receiver sends nothing we need; reading keeps its FIN from waiting in a buffer
      socket.on('error', (err) => finish(err));
      socket.on('end', () => {
        // The receiver closed before it could have read our FIN: it may have dropped frames.
        if (!ended) finish(new Error('receiver closed the connection before the round was sent'));
        peerClosed = true;
      });
      socket.on('close', (hadError) => {
        if (hadError || !peerClosed) finish(new Error('connection closed without an orderly close from the receiver'));
        else finish();
      });
    });
  }
}
