import { RequestContext, traceIdFrom } from '../audit/event-header';
import { invalidRequest } from '../oauth/oauth-problem';
import type { HttpRequest } from './http-types';

/** Trace id (from `traceparent`, else fresh) and peer address of a request. */
export function contextOf(req: HttpRequest): RequestContext {
  return { traceId: traceIdFrom(req.headers.traceparent), ip: req.ip ?? req.socket?.remoteAddress ?? null };
}

const FORM = 'application/x-www-form-urlencoded';

/** RFC 6749 §3.2 / RFC 7009 / RFC 7662: the OAuth endpoints take form-encoded bodies only. */
export function formBody(req: HttpRequest): unknown {
  if (!req.is(FORM)) throw invalidRequest(`the request body must be ${FORM}`);
  return req.body;
}

/** /v1 endpoints take JSON or form bodies. */
export function jsonOrFormBody(req: HttpRequest): unknown {
  if (!req.is('application/json') && !req.is(FORM)) throw invalidRequest('the request body must be JSON or form-encoded');
  return req.body;
}

export function header(req: HttpRequest, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** One cookie's value from the Cookie header (no decoding: our cookie values are base64url). */
export function cookie(req: HttpRequest, name: string): string | undefined {
  for (const part of (header(req, 'cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
