// ATTACKS.md 23 (introspection auth and response shape) and RFC-shaped errors for malformed requests.
import { CompactSign, decodeJwt } from 'jose';
import { testEnv, waitFor } from '@tokenwarden/testing';
import { SECRET } from './support/clients';
import { sealedKey } from '../../apps/token-service/src/testing/token-kit';
import { EventLog } from './support/event-log';
import { clientCredentials, exchange } from './support/flows';
import { cluster, Cluster, Instance } from './support/harness';
import { basic, get, post, postForm, postJson, Reply } from './support/http';

let c: Cluster;
let svc: Instance;
let events: EventLog;
const rs = { authorization: basic('resource-api', SECRET) };
const introspect = (token: string, headers: Record<string, string> = rs) => postForm(`${svc.url}/oauth2/introspect`, { token }, headers);
const rfcError = (r: Reply, status: number, error: string) => {
  expect([r.status, Object.keys(r.json ?? {}).sort(), r.json?.error]).toEqual([status, ['error', 'error_description'], error]);
  expect(r.text).not.toMatch(/at \w+ \(|\.ts:\d+|Error:/);
  expect(r.headers.get('cache-control')).toBe('no-store');
};

beforeAll(async () => {
  c = await cluster('tsvc_shapes');
  svc = await c.start({ TW_MAX_BODY_BYTES: '16384' });
  events = await EventLog.start(testEnv().kafkaBrokers, c.topics);
  await waitFor(() => svc.runtime.readiness().ready, 20000, { what: 'ready' });
});
afterAll(async () => {
  await events?.stop();
  await c?.stopAll();
});

describe('23. introspection', () => {
  it('without client authentication → 401 invalid_client, WWW-Authenticate, and the token is not revealed', async () => {
    const { token } = await clientCredentials(svc);
    for (const headers of [{} as Record<string, string>, { authorization: basic('resource-api', 'wrong-wrong-wrong-wrong-wrong-wrong') }, { authorization: 'Bearer x' }, { authorization: 'Basic !!!' }]) {
      const r = await introspect(token, headers);
      rfcError(r, 401, 'invalid_client');
      expect(r.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
      expect(r.text).not.toContain('billing');
    }
  });

  it('unknown, expired, revoked, erased-subject, foreign and garbage tokens: the same {"active": false}, nothing else', async () => {
    const revoked = await clientCredentials(svc);
    await postForm(`${svc.url}/oauth2/revoke`, { token: revoked.token }, { authorization: basic('billing', SECRET) });
    const key = sealedKey(svc.runtime.c.store.signingKey());
    const expiredClaims = { ...decodeJwt(revoked.token), jti: 'expired-1', iat: Math.floor(Date.now() / 1000) - 2000, exp: Math.floor(Date.now() / 1000) - 1100 };
    const expired = await new CompactSign(Buffer.from(JSON.stringify(expiredClaims))).setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'at+jwt' }).sign(key.key);
    const foreign = await clientCredentials(svc, 'rival');
    const replies = [
      await introspect('unknown.token.value'), await introspect(expired), await introspect(revoked.token), await introspect(foreign.token),
      await introspect('garbage'), await introspect(`${'A'.repeat(22)}.${'B'.repeat(43)}`),
    ];
    for (const r of replies) {
      expect(r.status).toBe(200);
      expect(r.text).toBe('{"active":false}');
      expect(r.headers.get('content-type')).toMatch(/^application\/json/);
      expect(r.headers.get('cache-control')).toBe('no-store');
    }
    expect(new Set(replies.map((r) => [...r.headers.keys()].filter((h) => !['date', 'etag', 'content-length'].includes(h)).join())).size).toBe(1);
    await events.await('TokenValidated', (v) => v.validator === 'introspection' && v.reason === 'REVOKED');
    await events.await('TokenValidated', (v) => v.validator === 'introspection' && v.reason === 'EXPIRED');
    await events.await('TokenValidated', (v) => v.validator === 'introspection' && v.reason === 'CLIENT_MISMATCH' && v.jti === foreign.jti);
  });

  it('an active token shows its RFC 7662 members to the client it was issued to', async () => {
    const r = await exchange(c, svc, 'kim');
    const own = await postForm(`${svc.url}/oauth2/introspect`, { token: r.json?.access_token as string }, rs);
    expect(own.json).toMatchObject({ active: true, sub: 'kim', client_id: 'gateway', scope: 'read', iss: 'https://id.tokenwarden.test' });
  });
});

describe('malformed requests get RFC 6749 §5.2 errors, never a stack trace', () => {
  it.each([
    ['JSON body on the token endpoint', () => postJson(`${svc.url}/oauth2/token`, { grant_type: 'client_credentials' }, rs), 400, 'invalid_request'],
    ['no body at all', () => post(`${svc.url}/oauth2/token`, undefined, rs), 400, 'invalid_request'],
    ['no grant_type', () => postForm(`${svc.url}/oauth2/token`, {}, rs), 400, 'invalid_request'],
    ['unsupported grant type', () => postForm(`${svc.url}/oauth2/token`, { grant_type: 'password' }, { authorization: basic('billing', SECRET) }), 400, 'unsupported_grant_type'],
    ['grant not registered for the client', () => postForm(`${svc.url}/oauth2/token`, { grant_type: 'refresh_token', refresh_token: 'x' }, { authorization: basic('billing', SECRET) }), 400, 'unauthorized_client'],
    ['repeated parameter', () => post(`${svc.url}/oauth2/token`, 'grant_type=client_credentials&grant_type=password', { 'content-type': 'application/x-www-form-urlencoded', ...rs }), 400, 'invalid_request'],
    ['two authentication methods', () => postForm(`${svc.url}/oauth2/token`, { grant_type: 'client_credentials', client_id: 'billing', client_secret: SECRET }, { authorization: basic('billing', SECRET) }), 400, 'invalid_request'],
    ['secret sent by the wrong method', () => postForm(`${svc.url}/oauth2/token`, { grant_type: 'client_credentials', client_id: 'billing', client_secret: SECRET }), 401, 'invalid_client'],
    ['introspection without a token', () => postForm(`${svc.url}/oauth2/introspect`, {}, rs), 400, 'invalid_request'],
    ['broken JSON at /v1/validate', () => post(`${svc.url}/v1/validate`, '{"token": ', { 'content-type': 'application/json', ...rs }), 400, 'invalid_request'],
    ['JSON array at /v1/validate', () => post(`${svc.url}/v1/validate`, '[1,2]', { 'content-type': 'application/json', ...rs }), 400, 'invalid_request'],
    ['token as an object', () => postJson(`${svc.url}/v1/validate`, { token: { $ne: 1 } }, rs), 400, 'invalid_request'],
    ['text/plain body', () => post(`${svc.url}/v1/validate`, 'token=x', { 'content-type': 'text/plain', ...rs }), 400, 'invalid_request'],
    ['body over the cap', () => postForm(`${svc.url}/oauth2/token`, { grant_type: 'client_credentials', pad: 'x'.repeat(20000) }, rs), 413, 'invalid_request'],
    ['compressed body', () => post(`${svc.url}/oauth2/token`, 'xx', { 'content-type': 'application/x-www-form-urlencoded', 'content-encoding': 'br', ...rs }), 415, 'invalid_request'],
    ['validation for an audience the caller does not serve', () => postJson(`${svc.url}/v1/validate`, { token: 'x', audience: 'https://api.tokenwarden.test' }, { authorization: basic('rival', SECRET) }), 400, 'invalid_target'],
    ['unknown endpoint', () => postForm(`${svc.url}/oauth2/authorize`, {}), 404, 'invalid_request'],
  ])('%s', async (_name, call, status, error) => {
    rfcError(await call(), status as number, error as string);
  });

  it('the process keeps serving', async () => {
    expect((await get(`${svc.url}/health`)).json).toEqual({ status: 'running' });
  });
});
