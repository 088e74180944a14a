import { ReasonCode, Verdict } from '@tokenwarden/jwt';
import { AccessGuard, CallContext } from './access-guard';

function setup(verdict: Partial<Verdict> = {}) {
  const seen: string[] = [];
  const recorded: Array<{ v: Verdict; ctx: CallContext }> = [];
  const guard = new AccessGuard({
    realm: 'https://api.example',
    validate: async (token) => {
      seen.push(token);
      return { valid: true, reason: ReasonCode.OK, nested: false, sub: 'u', clientId: 'c', scope: 'read orders:read', jti: 'j', exp: 1, aud: ['https://api.example'], ...verdict };
    },
    record: (v, ctx) => recorded.push({ v, ctx }),
  });
  return { guard, seen, recorded };
}
const req = (authorization?: string | string[]) => ({ headers: { authorization, traceparent: 'tp' }, socket: { remoteAddress: '10.0.0.1' } });

describe('AccessGuard', () => {
  it('no Authorization: 401 with a bare challenge, nothing validated or recorded', async () => {
    const { guard, seen, recorded } = setup();
    expect(await guard.check(req())).toEqual({ allowed: false, status: 401, error: null, reason: null, challenge: 'Bearer realm="https://api.example"' });
    expect([seen.length, recorded.length]).toEqual([0, 0]);
  });

  it('repeated Authorization headers: 400 invalid_request', async () => {
    const { guard } = setup();
    expect(await guard.check(req(['Bearer a', 'Bearer b']))).toMatchObject({ status: 400, error: 'invalid_request' });
  });

  it('a valid token: claims for the handler, one record with trace and ip', async () => {
    const { guard, seen, recorded } = setup();
    const d = await guard.check(req('bearer  abc.def.ghi'), 'orders:read');
    expect(d).toMatchObject({ allowed: true, claims: { sub: 'u', clientId: 'c', scopes: ['read', 'orders:read'] } });
    expect(seen).toEqual(['abc.def.ghi']);
    expect(recorded.map((r) => r.ctx)).toEqual([{ traceparent: 'tp', ip: '10.0.0.1' }]);
  });

  it('scope missing: 403 insufficient_scope naming the scope; the token check is still recorded', async () => {
    const { guard, recorded } = setup({ scope: 'read' });
    expect(await guard.check(req('Bearer x'), 'orders:read')).toMatchObject({
      allowed: false, status: 403, error: 'insufficient_scope', challenge: 'Bearer realm="https://api.example", error="insufficient_scope", scope="orders:read"',
    });
    expect(recorded).toHaveLength(1);
  });

  it('an invalid token: 401 invalid_token, reason for the audit trail only', async () => {
    const { guard } = setup({ valid: false, reason: ReasonCode.REVOKED });
    expect(await guard.check(req('Bearer x'))).toMatchObject({ allowed: false, status: 401, error: 'invalid_token', reason: 'REVOKED' });
  });

  it('a non-bearer scheme is still validated (and recorded) as presented', async () => {
    const { guard, seen } = setup({ valid: false, reason: ReasonCode.MALFORMED });
    expect(await guard.check(req('Basic dXNlcjpwdw=='))).toMatchObject({ status: 401, reason: 'MALFORMED' });
    expect(seen).toEqual(['Basic dXNlcjpwdw==']);
  });
});
