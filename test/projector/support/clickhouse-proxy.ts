import { ClientRequest, createServer, IncomingMessage, request, Server, ServerResponse } from 'node:http';
import { AddressInfo, Socket } from 'node:net';

/** Where a held INSERT stops: not sent on, half sent, or applied by ClickHouse but its answer withheld. */
export type InsertPhase = 'before' | 'during' | 'after';

export interface HeldInsert {
  phase: InsertPhase;
  /** The body the projector sent (rows of the held insert, RowBinary). */
  body: Buffer;
  /** ClickHouse's HTTP status for an 'after' hold (200: the rows are in). */
  status?: number;
}

/**
 * An HTTP proxy in front of the shared ClickHouse that one test controls:
 * `cut()` makes ClickHouse unreachable for this test's projector only (every
 * socket reset, new ones refused), `restore()` reconnects, and `holdInsert`
 * freezes one INSERT at a chosen phase so a test can SIGKILL the projector
 * at exactly that point. Parallel-safe: the real server is never touched.
 */
export class ClickHouseProxy {
  /** INSERTs ClickHouse answered and the proxy passed back. */
  insertsPassed = 0;
  private down = false;
  private readonly sockets = new Set<Socket>();
  private readonly upstreams = new Set<ClientRequest>();
  private hold?: { phase: InsertPhase; skip: number; resolve: (held: HeldInsert) => void };

  private constructor(
    private readonly server: Server,
    private readonly upstream: URL,
  ) {}

  static async start(upstreamUrl: string): Promise<ClickHouseProxy> {
    const server = createServer();
    const proxy = new ClickHouseProxy(server, new URL(upstreamUrl));
    server.on('request', (req: IncomingMessage, res: ServerResponse) => proxy.onRequest(req, res));
    server.on('connection', (socket: Socket) => proxy.onConnection(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** ClickHouse "goes down": open sockets are reset and new connections dropped. */
  cut(): void {
    this.down = true;
    for (const s of this.sockets) s.destroy();
  }

  restore(): void {
    this.down = false;
  }

  /** Holds the INSERT after the next `skip` ones at `phase`; resolves once it is held there. */
  holdInsert(phase: InsertPhase, skip = 0): Promise<HeldInsert> {
    return new Promise((resolve) => (this.hold = { phase, skip, resolve }));
  }

  async close(): Promise<void> {
    for (const u of this.upstreams) u.destroy();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The projector died or the proxy was cut: ClickHouse sees the request aborted, as with a real crash. */
  private track(upstreamReq: ClientRequest, req: IncomingMessage): void {
    this.upstreams.add(upstreamReq);
    upstreamReq.once('close', () => this.upstreams.delete(upstreamReq));
    const abort = () => upstreamReq.destroy();
    req.socket.once('close', abort);
    upstreamReq.once('close', () => req.socket.off('close', abort));
  }

  private onConnection(socket: Socket): void {
    if (this.down) {
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    if (this.down) {
      req.socket.destroy();
      return;
    }
    const query = new URL(req.url ?? '/', 'http://x').searchParams.get('query') ?? '';
    const isInsert = /^\s*INSERT\b/i.test(query);
    if (isInsert && this.hold) {
      if (this.hold.skip > 0) this.hold.skip -= 1;
      else {
        const { phase, resolve } = this.hold;
        this.hold = undefined;
        void this.holdAt(phase, req, resolve);
        return;
      }
    }
    const upstreamReq = this.forward(req, (upstreamRes) => {
      res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
      upstreamRes.pipe(res);
      upstreamRes.on('end', () => {
        if (isInsert && (upstreamRes.statusCode ?? 500) < 300) this.insertsPassed += 1;
      });
    });
    req.pipe(upstreamReq);
  }

  private forward(req: IncomingMessage, onResponse: (res: IncomingMessage) => void) {
    const upstreamReq = request(
      { host: this.upstream.hostname, port: this.upstream.port, method: req.method, path: req.url, headers: req.headers },
      onResponse,
    );
    upstreamReq.on('error', () => req.socket.destroy());
    this.track(upstreamReq, req);
    return upstreamReq;
  }

  private async holdAt(phase: InsertPhase, req: IncomingMessage, resolve: (held: HeldInsert) => void): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    if (phase === 'before') return resolve({ phase, body });
    // Same headers as the projector sent (the client streams: chunked encoding).
    const upstreamReq = request({ host: this.upstream.hostname, port: this.upstream.port, method: req.method, path: req.url, headers: req.headers });
    upstreamReq.on('error', () => undefined);
    this.track(upstreamReq, req);
    if (phase === 'during') {
      // About half the body reaches ClickHouse, almost always cut inside a row, then the connection
      // dies with the projector. (Cut at a row boundary, ClickHouse 18.16 takes the end of the
      // connection for the end of the body and commits the rows before it: replay and dedup absorb that too.)
      upstreamReq.write(body.subarray(0, Math.floor(body.length / 2)), () => resolve({ phase, body }));
      return;
    }
    // 'after': ClickHouse applies the insert; its answer never reaches the projector.
    upstreamReq.on('response', (upstreamRes) => {
      upstreamRes.resume();
      upstreamRes.on('end', () => resolve({ phase, body, status: upstreamRes.statusCode }));
    });
    upstreamReq.end(body);
  }
}

