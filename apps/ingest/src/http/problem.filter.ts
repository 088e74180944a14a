import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import type { Log } from '@tokenwarden/config';
import { INGEST_ERRORS, IngestError } from '../ingest-error';
import { IngestMetrics } from '../ingest-metrics';

interface HttpResponse {
  status(code: number): HttpResponse;
  setHeader(name: string, value: string): unknown;
  end(body: string): unknown;
  headersSent?: boolean;
}

/**
 * The one place errors become HTTP answers: RFC 9457 problem details
 * (`type`, `title`, `status`, `detail`, plus `code` and, for event problems,
 * `errors: [{index, path, message}]`), Retry-After on 429 and 503,
 * WWW-Authenticate on 401, and never a stack trace.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  constructor(private readonly metrics: IngestMetrics, private readonly log: Log) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<HttpResponse>();
    const e = this.toIngestError(exception);
    this.metrics.rejected.inc({ reason: INGEST_ERRORS[e.code].reason });
    if (res.headersSent) return;
    res.setHeader('Content-Type', 'application/problem+json');
    res.setHeader('Cache-Control', 'no-store');
    if (e.extra.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(e.extra.retryAfterSeconds));
    if (e.code === 'ERR_INGEST_UNAUTHENTICATED') res.setHeader('WWW-Authenticate', 'Bearer realm="tokenwarden-ingest"');
    const problem = {
      type: `urn:tokenwarden:problem:${e.code}`,
      title: INGEST_ERRORS[e.code].title,
      status: e.status,
      detail: e.detail,
      code: e.code,
      ...(e.extra.errors ? { errors: e.extra.errors } : {}),
    };
    res.status(e.status).end(JSON.stringify(problem));
  }

  private toIngestError(e: unknown): IngestError {
    if (e instanceof IngestError) return e;
    if (e instanceof HttpException) {
      const status = e.getStatus();
      if (status === 404 || status === 405) return new IngestError('ERR_INGEST_NOT_FOUND', 'see apps/ingest/README.md for the endpoints');
      if (status === 413) return new IngestError('ERR_INGEST_TOO_LARGE', 'the request body is too large');
      if (status < 500) return new IngestError('ERR_INGEST_BAD_BODY', 'the request is not acceptable');
    }
    this.log('error', 'unexpected error', { error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
    return new IngestError('ERR_INGEST_INTERNAL', 'the request failed; it was logged');
  }
}
