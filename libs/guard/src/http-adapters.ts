import { CanActivate, ExecutionContext, ForbiddenException, Inject, Injectable, Type, UnauthorizedException, BadRequestException } from '@nestjs/common';
import type { AccessGuard, GuardClaims, GuardDecision, GuardRequest } from './access-guard';

/** Injection token of the process's AccessGuard (provided by TokenGuardModule). */
export const ACCESS_GUARD = Symbol('ACCESS_GUARD');

/** What the guard leaves on an allowed request. */
export interface GuardedRequest extends GuardRequest {
  tokenClaims?: GuardClaims;
}

interface HeaderSink {
  setHeader(name: string, value: string): unknown;
}

/**
 * Express/Connect-style middleware (also Fastify with @fastify/middie, and plain
 * `http` servers): allowed requests get `req.tokenClaims` and go on; refused ones
 * end here with 400/401/403, an RFC 6750 challenge and a fixed JSON body.
 */
export function tokenMiddleware(guard: AccessGuard, opts: { scope?: string } = {}) {
  return (req: GuardedRequest, res: HeaderSink & { statusCode: number; end(body: string): unknown }, next: (err?: unknown) => void): void => {
    guard.check(req, opts.scope).then((d) => {
      if (d.allowed) {
        req.tokenClaims = d.claims;
        next();
        return;
      }
      res.statusCode = d.status;
      res.setHeader('WWW-Authenticate', d.challenge);
      res.setHeader('Cache-Control', 'no-store');
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify(bodyOf(d)));
    }, next);
  };
}

/**
 * A Nest guard class requiring a valid access token and, optionally, one scope:
 * `@UseGuards(TokenGuard.requiring('orders:read'))`. A mixin (like passport's
 * AuthGuard('jwt')), so the required scope is visible at the route.
 */
export const TokenGuard = {
  requiring(scope?: string): Type<CanActivate> {
    @Injectable()
    class ScopedTokenGuard implements CanActivate {
      constructor(@Inject(ACCESS_GUARD) private readonly guard: AccessGuard) {}

      async canActivate(context: ExecutionContext): Promise<boolean> {
        const http = context.switchToHttp();
        const req = http.getRequest<GuardedRequest>();
        const d = await this.guard.check(req, scope);
        if (d.allowed) {
          req.tokenClaims = d.claims;
          return true;
        }
        http.getResponse<HeaderSink>().setHeader('WWW-Authenticate', d.challenge);
        const body = bodyOf(d);
        if (d.status === 403) throw new ForbiddenException(body);
        if (d.status === 400) throw new BadRequestException(body);
        throw new UnauthorizedException(body);
      }
    }
    return ScopedTokenGuard;
  },
};

function bodyOf(d: Exclude<GuardDecision, { allowed: true }>): Record<string, string> {
  if (d.error === null) return { error: 'unauthorized', error_description: 'a bearer token is required' };
  const text = { invalid_request: 'malformed Authorization header', invalid_token: 'the access token is not valid', insufficient_scope: 'the access token lacks a required scope' };
  return { error: d.error, error_description: text[d.error] };
}
