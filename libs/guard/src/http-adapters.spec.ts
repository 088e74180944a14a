import { ForbiddenException, UnauthorizedException } from '@nestjs/common';
import type { ExecutionContext } from '@nestjs/common';
import type { AccessGuard, GuardDecision } from './access-guard';
import { GuardedRequest, TokenGuard, tokenMiddleware } from './http-adapters';

const claims = { sub: 'u', clientId: 'c', scopes: ['orders:read'], aud: ['a'], jti: 'j', exp: 1 };
function setup(decision: GuardDecision) {
  const scopes: Array<string | undefined> = [];
  const access = { check: async (_req: unknown, scope?: string) => (scopes.push(scope), decision) } as unknown as AccessGuard;
  const headers: Record<string, string> = {};
  const res = { statusCode: 200, body: '', setHeader: (n: string, v: string) => (headers[n] = v), end(b: string) { this.body = b; } };
  const req: GuardedRequest = { headers: {} };
  const ctx = { switchToHttp: () => ({ getRequest: () => req, getResponse: () => res }) } as unknown as ExecutionContext;
  return { access, scopes, headers, res, req, ctx };
}
const refused = (status: 400 | 401 | 403, error: 'invalid_token' | 'insufficient_scope'): GuardDecision =>
  ({ allowed: false, status, error, reason: null, challenge: `Bearer realm="r", error="${error}"` });

describe('TokenGuard (Nest)', () => {
  it('allows, passes the route scope, and leaves the claims on the request', async () => {
    const s = setup({ allowed: true, claims, reason: 'OK' });
    const Guard = TokenGuard.requiring('orders:read');
    expect(await new (Guard as unknown as new (a: AccessGuard) => { canActivate(c: ExecutionContext): Promise<boolean> })(s.access).canActivate(s.ctx)).toBe(true);
    expect([s.scopes, s.req.tokenClaims]).toEqual([['orders:read'], claims]);
  });

  it('refusals throw 401/403 with the challenge header set', async () => {
    for (const [d, type] of [[refused(401, 'invalid_token'), UnauthorizedException], [refused(403, 'insufficient_scope'), ForbiddenException]] as const) {
      const s = setup(d);
      const guard = new (TokenGuard.requiring() as unknown as new (a: AccessGuard) => { canActivate(c: ExecutionContext): Promise<boolean> })(s.access);
      const err = await guard.canActivate(s.ctx).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(type);
      expect(s.headers['WWW-Authenticate']).toBe(d.allowed ? undefined : d.challenge);
    }
  });
});

describe('tokenMiddleware', () => {
  it('allowed: claims on the request, next() without error', async () => {
    const s = setup({ allowed: true, claims, reason: 'OK' });
    const nexts = await new Promise<unknown[]>((resolve) => tokenMiddleware(s.access, { scope: 'orders:read' })(s.req, s.res, (...a) => resolve(a)));
    expect([nexts, s.req.tokenClaims, s.scopes]).toEqual([[], claims, ['orders:read']]);
  });

  it('refused: ends the response with status, challenge, no-store and a fixed body; next is not called', async () => {
    const s = setup(refused(401, 'invalid_token'));
    let nextCalled = false;
    tokenMiddleware(s.access)(s.req, s.res, () => (nextCalled = true));
    await new Promise((r) => setImmediate(r));
    expect([s.res.statusCode, nextCalled, JSON.parse(s.res.body)]).toEqual([401, false, { error: 'invalid_token', error_description: 'the access token is not valid' }]);
    expect(s.headers).toMatchObject({ 'WWW-Authenticate': 'Bearer realm="r", error="invalid_token"', 'Cache-Control': 'no-store' });
  });
});
