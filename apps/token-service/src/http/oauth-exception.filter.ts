import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import { AuditUnavailableError } from '../audit/audit-publisher';
import type { Log } from '@tokenwarden/config';
import { OAuthProblem, unavailable } from '../oauth/oauth-problem';
import { ReasonCode } from '@tokenwarden/jwt';
import type { ValidationService } from '../validation/validation-service';
import { contextOf } from './request-context';
import type { HttpRequest, HttpResponse } from './http-types';

/** body-parser errors carry `status` (http-errors) and mostly a `type`. */
interface ParserError { readonly type?: unknown; readonly status?: unknown; readonly expose?: unknown }

const TOKEN_CHECKS: Readonly<Record<string, string>> = { '/v1/validate': 'token-service', '/oauth2/introspect': 'introspection' };

/**
 * The one place errors become HTTP answers: RFC 6749 §5.2 shape
 * `{"error", "error_description"}`, WWW-Authenticate on 401, `no-store`, and
 * never a stack trace. A body over the size cap on a token-checking endpoint
 * still leaves its TokenValidated (reason TOO_LARGE), as ATTACKS.md 17 asks.
 */
@Catch()
export class OAuthExceptionFilter implements ExceptionFilter {
  constructor(private readonly validation: ValidationService, private readonly log: Log) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<HttpRequest>();
    const res = http.getResponse<HttpResponse>();
    const problem = this.toProblem(exception, req);
    if (res.headersSent) return;
    res.setHeader('Cache-Control', 'no-store');
    if (problem.wwwAuthenticate) res.setHeader('WWW-Authenticate', problem.wwwAuthenticate);
    res.status(problem.status).json({ error: problem.error, error_description: problem.description });
  }

  private toProblem(e: unknown, req: HttpRequest): OAuthProblem {
    if (e instanceof OAuthProblem) return e;
    if (e instanceof AuditUnavailableError) return unavailable();
    const parser = e as ParserError;
    if (typeof parser?.status === 'number' && parser.status >= 400 && parser.status < 500 && !(e instanceof HttpException)) {
      return this.parserProblem(typeof parser.type === 'string' ? parser.type : String(parser.status), req);
    }
    if (e instanceof HttpException) {
      const status = e.getStatus();
      if (status === 404) return new OAuthProblem(404, 'invalid_request', 'no such endpoint');
      if (status === 413) return this.parserProblem('entity.too.large', req);
      if (status < 500) return new OAuthProblem(400, 'invalid_request', 'the request is not acceptable');
    }
    this.log('error', 'unexpected error', { error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
    return new OAuthProblem(500, 'server_error', 'the server could not complete the request');
  }

  private parserProblem(type: string, req: HttpRequest): OAuthProblem {
    if (type === 'entity.too.large' || type === '413') {
      const validator = TOKEN_CHECKS[req.path ?? ''];
      if (validator) this.validation.refusedUnread(ReasonCode.TOO_LARGE, { ctx: contextOf(req), validator, caller: null });
      return new OAuthProblem(413, 'invalid_request', 'the request body is too large');
    }
    if (type === 'encoding.unsupported' || type === 'charset.unsupported' || type === '415') return new OAuthProblem(415, 'invalid_request', 'unsupported body encoding');
    return new OAuthProblem(400, 'invalid_request', 'the request body cannot be parsed');
  }
}
