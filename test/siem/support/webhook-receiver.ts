import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';

/** What the receiver does with the n-th request (0-based). */
export type Reply =
  | { readonly status: number; readonly retryAfter?: string; readonly delayMs?: number }
  /** Never answer (the client's timeout fires). */
  | 'hang';

export interface ReceivedRequest {
  readonly n: number;
  /** Date.now() when the request body was in. */
  readonly at: number;
  readonly alertIdHeader: string;
  readonly eventIdHeader: string;
  readonly signatureOk: boolean;
  readonly timestampSkewMs: number;
  readonly body: Record<string, unknown>;
  readonly reply: Reply;
  /** Date.now() when the reply was sent; undefined for 'hang'. */
  repliedAt?: number;
}

/**
 * A SIEM webhook endpoint for tests: verifies the HMAC signature itself (not
 * with the forwarder's code), answers per a script, and records everything.
 * It can start listening late, to play "connection refused".
 */
export class WebhookReceiver {
  readonly requests: ReceivedRequest[] = [];
  /** Decides the reply to the n-th request (0-based), which carries `body`. */
  script: (n: number, body: Record<string, unknown>) => Reply = () => ({ status: 200 });
  private server: Server | undefined;

  constructor(private readonly secret: string) {}

  async listen(port = 0): Promise<number> {
    const server = createServer((req, res) => void this.onRequest(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    return (server.address() as { port: number }).port;
  }

  /** Requests answered with a 2xx: what the SIEM accepted. */
  accepted(): ReceivedRequest[] {
    return this.requests.filter((r) => r.reply !== 'hang' && r.reply.status >= 200 && r.reply.status < 300);
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const n = this.requests.length;
    const body = JSON.parse(raw) as Record<string, unknown>;
    const reply = this.script(n, body);
    const ts = String(req.headers['x-tokenwarden-timestamp'] ?? '');
    const received: ReceivedRequest = {
      n,
      at: Date.now(),
      alertIdHeader: decodeURIComponent(String(req.headers['x-tokenwarden-alert-id'] ?? '')),
      eventIdHeader: decodeURIComponent(String(req.headers['x-tokenwarden-event-id'] ?? '')),
      signatureOk: this.verify(String(req.headers['x-tokenwarden-signature'] ?? ''), ts, raw),
      timestampSkewMs: Math.abs(Date.now() - Number(ts) * 1000),
      body,
      reply,
    };
    this.requests.push(received);
    if (reply === 'hang') return;
    if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
    received.repliedAt = Date.now();
    if (reply.retryAfter !== undefined) res.setHeader('retry-after', reply.retryAfter);
    res.statusCode = reply.status;
    res.end(reply.status < 300 ? '{"ok":true}' : '{"error":"scripted"}');
  }

  private verify(header: string, timestamp: string, body: string): boolean {
    const want = Buffer.from(`sha256=${createHmac('sha256', this.secret).update(`${timestamp}.${body}`).digest('hex')}`);
    const got = Buffer.from(header);
    return got.length === want.length && timingSafeEqual(got, want);
  }
}
