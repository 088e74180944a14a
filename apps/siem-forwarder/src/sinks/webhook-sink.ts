import { createHmac } from 'node:crypto';
import { Agent as HttpAgent, IncomingHttpHeaders, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Alert } from '@tokenwarden/events';
import { parseRetryAfter } from '../delivery/retry-after';
import { alertToOcsf, OcsfProduct } from '../format/ocsf';
import { DELIVERED, DeliveryOutcome, networkFailure, Sink, SKIPPED } from './sink';

export interface WebhookSinkOptions {
  readonly name: string;
  readonly url: string;
  /** HMAC-SHA256 key of the signature header. */
  readonly secret: string;
  /** Per request, connect to last byte of the response. */
  readonly timeoutMs: number;
  /** Requests in flight at once. */
  readonly concurrency: number;
  /** Extra request headers (e.g. an API key the SIEM wants). */
  readonly headers: Readonly<Record<string, string>>;
  /** PEM CA bundle for https endpoints with a private CA. */
  readonly ca?: string;
  readonly product: OcsfProduct;
  readonly now: () => number;
}

/** Signature and correlation headers of every request. */
export const WEBHOOK_HEADERS = {
  signature: 'x-tokenwarden-signature',
  timestamp: 'x-tokenwarden-timestamp',
  alertId: 'x-tokenwarden-alert-id',
  eventId: 'x-tokenwarden-event-id',
  idempotencyKey: 'idempotency-key',
} as const;

/** `sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`: what a receiver recomputes to verify a request. */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex')}`;
}

const MAX_HEADER_ID_CHARS = 512;

/**
 * Ids come from events: percent-encoded (after replacing lone surrogates, which
 * encodeURIComponent refuses) so a hostile one cannot break the header, and
 * capped; the body carries the full value.
 */
function headerValue(id: string): string {
  return encodeURIComponent(Buffer.from(id, 'utf8').toString('utf8')).slice(0, MAX_HEADER_ID_CHARS);
}

// Statuses that say "not now" (or a deployment problem an operator can fix) rather than "never this alert".
const RETRY_STATUSES = new Set([401, 403, 404, 407, 408, 409, 421, 425, 429]);

/**
 * An HTTP(S) endpoint that receives one OCSF Detection Finding per POST, signed
 * with an HMAC header over the timestamp and the body. 2xx delivers; 408,
 * 425, 429, 5xx (and auth or routing statuses) are retried, honouring
 * Retry-After; other 4xx mean the receiver refuses this alert for good.
 * After the first retriable failure a round starts no new requests: the
 * endpoint is down, and the forwarder's backoff decides when to come back.
 */
export class WebhookSink implements Sink {
  private readonly target: URL;
  private readonly agent: HttpAgent;

  constructor(private readonly options: WebhookSinkOptions) {
    this.target = new URL(options.url);
    this.agent =
      this.target.protocol === 'https:'
        ? new HttpsAgent({ keepAlive: true, maxSockets: options.concurrency, ca: options.ca, minVersion: 'TLSv1.2' })
        : new HttpAgent({ keepAlive: true, maxSockets: options.concurrency });
  }

  get name(): string {
    return this.options.name;
  }

  async deliver(alerts: readonly Alert[], deadlineMs: number): Promise<DeliveryOutcome[]> {
    const outcomes: DeliveryOutcome[] = alerts.map(() => SKIPPED);
    let next = 0;
    let down = false;
    const worker = async () => {
      while (next < alerts.length && !down) {
        const remainingMs = deadlineMs - this.options.now();
        if (remainingMs <= 0) return;
        const i = next++;
        const outcome = await this.post(alerts[i], Math.min(this.options.timeoutMs, remainingMs));
        outcomes[i] = outcome;
        if (outcome.kind === 'failed' && outcome.retriable) down = true;
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency, alerts.length) }, worker));
    return outcomes;
  }

  async close(): Promise<void> {
    this.agent.destroy();
  }

  private post(alert: Alert, timeoutMs: number): Promise<DeliveryOutcome> {
    const body = JSON.stringify(alertToOcsf(alert, this.options.product));
    const timestamp = String(Math.floor(this.options.now() / 1000));
    const headers: Record<string, string> = {
      ...this.options.headers,
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(body)),
      'user-agent': `Tokenwarden-SIEM-Forwarder/${this.options.product.version}`,
      [WEBHOOK_HEADERS.timestamp]: timestamp,
      [WEBHOOK_HEADERS.signature]: webhookSignature(this.options.secret, timestamp, body),
      [WEBHOOK_HEADERS.alertId]: headerValue(alert.alert_id),
      [WEBHOOK_HEADERS.eventId]: headerValue(alert.header.event_id),
      [WEBHOOK_HEADERS.idempotencyKey]: headerValue(alert.header.event_id),
    };
    const where = `webhook ${this.target.origin}`;
    const send = this.target.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<DeliveryOutcome>((resolve) => {
      let settled = false;
      const settle = (o: DeliveryOutcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(o);
      };
      const req = send(this.target, { method: 'POST', agent: this.agent, headers }, (res) => {
        res.on('error', (err) => settle(networkFailure(err, where)));
        res.on('data', () => undefined); // drain, so the socket returns to the pool
        res.on('end', () => settle(this.classify(res.statusCode ?? 0, res.headers, where)));
      });
      const timer = setTimeout(() => {
        settle({ kind: 'failed', code: 'ERR_SIEM_SINK_TIMEOUT', message: `${where}: no response within ${timeoutMs} ms`, retriable: true });
        req.destroy();
      }, timeoutMs);
      req.on('error', (err) => settle(networkFailure(err, where)));
      req.end(body);
    });
  }

  private classify(status: number, headers: IncomingHttpHeaders, where: string): DeliveryOutcome {
    if (status >= 200 && status < 300) return DELIVERED;
    const retriable = status >= 500 || status < 400 || RETRY_STATUSES.has(status);
    const retryAfter = headers['retry-after'];
    return {
      kind: 'failed',
      code: retriable ? 'ERR_SIEM_SINK_STATUS' : 'ERR_SIEM_DELIVERY_REJECTED',
      message: `${where}: HTTP ${status}`,
      retriable,
      retryAfterMs: parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter, this.options.now()),
    };
  }
}
