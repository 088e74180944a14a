import { IngestError } from '../ingest-error';

/** The parts of Node's IncomingMessage the reader touches (the repo has no @types/express). */
export interface BodySource {
  readonly headers: Record<string, string | string[] | undefined>;
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'end' | 'aborted', listener: () => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  removeAllListeners(event: string): unknown;
  pause(): unknown;
}

/** Deeper JSON is refused: nothing the ingest reads nests this far, and the walkers stay bounded. */
export const MAX_JSON_DEPTH = 32;

/**
 * Reads a JSON request body with the size cap enforced before parsing: a
 * declared Content-Length over the cap is refused unread, and a streamed body
 * is refused as soon as it passes the cap (Node drains the rest after the
 * response). Only then is it parsed, and its nesting depth checked.
 */
export async function readJsonBody(req: BodySource, maxBytes: number): Promise<unknown> {
  const type = String(req.headers['content-type'] ?? '').split(';').map((s) => s.trim().toLowerCase());
  if (!/^application\/([a-z0-9.+-]+\+)?json$/.test(type[0] ?? '')) {
    throw new IngestError('ERR_INGEST_UNSUPPORTED_MEDIA_TYPE', 'send Content-Type: application/json');
  }
  const charset = type.slice(1).find((p) => p.startsWith('charset='))?.slice(8).replace(/"/g, '');
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') throw new IngestError('ERR_INGEST_UNSUPPORTED_MEDIA_TYPE', 'the body must be UTF-8');
  const encoding = String(req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding !== 'identity') throw new IngestError('ERR_INGEST_UNSUPPORTED_MEDIA_TYPE', 'compressed bodies are not accepted; send identity encoding');
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > maxBytes) throw new IngestError('ERR_INGEST_TOO_LARGE', `bodies are limited to ${maxBytes} bytes`);
  const raw = await collect(req, maxBytes);
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new IngestError('ERR_INGEST_BAD_BODY', 'the body is not valid JSON');
  }
  if (depthExceeds(body, MAX_JSON_DEPTH)) throw new IngestError('ERR_INGEST_BAD_BODY', `JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
  return body;
}

function collect(req: BodySource, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = (err?: Error) => {
      for (const e of ['data', 'end', 'error', 'aborted']) req.removeAllListeners(e);
      if (err) {
        req.pause();
        reject(err);
      } else resolve(Buffer.concat(chunks, size));
    };
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) stop(new IngestError('ERR_INGEST_TOO_LARGE', `bodies are limited to ${maxBytes} bytes`));
      else chunks.push(chunk);
    });
    req.on('end', () => stop());
    req.on('aborted', () => stop(new IngestError('ERR_INGEST_BAD_BODY', 'the client aborted the request')));
    req.on('error', (err) => stop(new IngestError('ERR_INGEST_BAD_BODY', 'the body could not be read', { cause: err })));
  });
}

/** Iterative, so a hostile nesting cannot overflow the stack here. */
function depthExceeds(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (v === null || typeof v !== 'object') continue;
    if (depth >= max) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}
