import { EventCodec } from '@tokenwarden/events';
import { accessIssued, grantSymbol, issuanceDenied, keyLifecycle, refreshIssued, tokenValidated } from './audit-events';
import { HeaderFactory, SCHEDULED, traceIdFrom } from './event-header';

const codec = new EventCodec();
const headers = new HeaderFactory({ service: 'token-service', instance: 'i-1', version: '0.1.0' }, 'default', () => 1_750_000_000_000);
const ctx = { traceId: 'ab'.repeat(16), ip: '10.0.0.1' };

describe('event header', () => {
  it('uuid v4 ids, injected time, capped request strings', () => {
    const h = headers.header(ctx, { clientId: 'c'.repeat(1000), sessionId: 's-1', subjectRef: 'f'.repeat(64) });
    expect(h.event_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(h).toMatchObject({ event_time: 1_750_000_000_000, trace_id: ctx.traceId, ip: '10.0.0.1', session_id: 's-1', tenant_id: 'default' });
    expect(h.client_id).toHaveLength(256);
    expect(headers.header(SCHEDULED)).toMatchObject({ trace_id: null, ip: null, subject_ref: null, client_id: null });
  });

  it.each([
    [`00-${'4bf92f3577b34da6a3ce929d0e0e4736'}-00f067aa0ba902b7-01`, '4bf92f3577b34da6a3ce929d0e0e4736'],
  ])('traceparent %s → its trace id', (tp, id) => expect(traceIdFrom(tp)).toBe(id));
  it.each([undefined, '', 'garbage', `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`, `00-${'A'.repeat(32)}-00f067aa0ba902b7-01`, ['x']])(
    'traceparent %j → a fresh random trace id', (tp) => expect(traceIdFrom(tp)).toMatch(/^(?!0+$)[0-9a-f]{32}$/));
});

describe('domain facts → event values', () => {
  it('TokenIssued for access and refresh tokens; the refresh token itself appears only as a fingerprint', () => {
    const access = accessIssued(headers.header(ctx), {
      issuer: 'https://id', jti: 'j1', fingerprint: 'a'.repeat(64), audience: 'https://api', scope: 'read write', kid: 'k1', alg: 'ES256',
      iat: 100, exp: 1000, grantType: 'client_credentials',
    });
    expect(access.value).toMatchObject({ token_kind: 'ACCESS', scope: ['read', 'write'], issued_at: 100_000, expires_at: 1_000_000, lifetime_seconds: 900, grant_type: 'CLIENT_CREDENTIALS' });
    const refresh = refreshIssued(headers.header(ctx), {
      issuer: 'https://id', token: 'SECRET-REFRESH', jti: 'r1', familyId: 'f1', audience: 'https://api', scopes: ['read'], issuedAtMs: 0,
      expiresAtMs: 86_400_000, grantType: 'urn:ietf:params:oauth:grant-type:token-exchange', consentRef: 'c-1',
    });
    expect(refresh.value).toMatchObject({ token_kind: 'REFRESH', alg: 'opaque', kid: '', grant_type: 'TOKEN_EXCHANGE', lifetime_seconds: 86400, consent_ref: 'c-1' });
    expect(codec.encode('TokenIssued', refresh.value as never).includes(Buffer.from('SECRET-REFRESH'))).toBe(false);
    for (const e of [access, refresh]) expect(() => codec.encode(e.type, e.value as never)).not.toThrow();
  });

  it('grant symbols never echo an unknown grant type', () => {
    expect(['password', 'refresh_token', 'evil', 42, '__proto__'].map(grantSymbol)).toEqual(['PASSWORD', 'REFRESH_TOKEN', 'UNKNOWN', 'UNKNOWN', 'UNKNOWN']);
    const d = issuanceDenied(headers.header(ctx), { reason: 'SCOPE_NOT_ALLOWED', detail: 'x', grantType: 'x'.repeat(5000), scopes: Array(100).fill('s'), audiences: [] });
    expect(d.value).toMatchObject({ requested_grant: 'UNKNOWN' });
    expect((d.value as unknown as { requested_scope: string[] }).requested_scope).toHaveLength(32);
  });

  it('TokenValidated: outcome follows the reason; INTERNAL_ERROR is ERROR', () => {
    const v = (reason: string, valid = false) => tokenValidated(headers.header(ctx), {
      verdict: { valid, reason: reason as never }, validator: 'token-service', audience: null, resourceServer: null,
    }).value as { outcome: string };
    expect([v('OK', true).outcome, v('EXPIRED').outcome, v('INTERNAL_ERROR').outcome]).toEqual(['VALID', 'INVALID', 'ERROR']);
  });

  it('KeyLifecycle: DEACTIVATED has no symbol in v1 and is skipped; storage says where the private key lives', () => {
    const r = { kid: 'k', alg: 'ES256' as const, atMs: 1, keyCreatedAtMs: 1, jwkThumbprint: 'k', cause: 'scheduled' as const, storage: 'SOFTWARE' as const };
    expect(keyLifecycle(headers.header(SCHEDULED), { ...r, phase: 'DEACTIVATED' })).toBeUndefined();
    expect(keyLifecycle(headers.header(SCHEDULED), { ...r, phase: 'RETIRED' })?.value).toMatchObject({ phase: 'RETIRED', storage: 'SOFTWARE' });
    expect(keyLifecycle(headers.header(SCHEDULED), { ...r, phase: 'GENERATED', storage: 'HSM' })?.value).toMatchObject({ storage: 'HSM' });
  });
});
