// Each endpoint against real Kafka: the answer, and the audit event that lands with the right fields.
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { createHash } from 'node:crypto';
import { waitFor } from '@tokenwarden/testing';
import { testEnv } from '@tokenwarden/testing';
import { API, clientAssertion, SECRET, subjectToken } from './support/clients';
import { EventLog } from './support/event-log';
import { cluster, Cluster, Instance, ISSUER } from './support/harness';
import { basic, get, postForm, postJson } from './support/http';

let c: Cluster;
let svc: Instance;
let events: EventLog;
const hex64 = /^[0-9a-f]{64}$/;
const billing = { authorization: basic('billing', SECRET) };
const rs = { authorization: basic('resource-api', SECRET) };

beforeAll(async () => {
  c = await cluster('tsvc_endpoints');
  svc = await c.start();
  events = await EventLog.start(testEnv().kafkaBrokers, c.topics);
  await waitFor(() => svc.runtime.readiness().ready, 20000, { what: 'instance ready' });
});
afterAll(async () => {
  await events?.stop();
  await c?.stopAll();
});

const clientCredentials = (scope = 'read') => postForm(`${svc.url}/oauth2/token`, { grant_type: 'client_credentials', scope }, billing);

describe('discovery, health and docs', () => {
  it('serves RFC 8414 metadata, the JWKS, /health, /ready and the OpenAPI document', async () => {
    const meta = await get(`${svc.url}/.well-known/oauth-authorization-server`);
    expect(meta.json).toMatchObject({ issuer: ISSUER, token_endpoint: `${ISSUER}/oauth2/token`, jwks_uri: `${ISSUER}/.well-known/jwks.json` });
    const jwks = await get(`${svc.url}/.well-known/jwks.json`);
    expect((jwks.json?.keys as unknown[]).length).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(jwks.json)).not.toMatch(/"d"/);
    expect((await get(`${svc.url}/health`)).json).toEqual({ status: 'running' });
    expect((await get(`${svc.url}/ready`)).status).toBe(200);
    const doc = await get(`${svc.url}/docs-json`);
    expect(Object.keys((doc.json?.paths ?? {}) as object)).toEqual(expect.arrayContaining(['/oauth2/token', '/oauth2/introspect', '/oauth2/revoke', '/v1/validate']));
  });

  it('KeyLifecycle events of the bootstrap key landed on key-events, keyed by kid', async () => {
    const kid = svc.runtime.c.keys.signingKid();
    await waitFor(() => events.records.filter((r) => r.topic === c.topics.keyEvents && r.key === kid).length >= 3, 15000, { what: 'key events' });
    const phases = events.records.filter((r) => r.topic === c.topics.keyEvents && r.key === kid).map((r) => (r.event?.value as { phase: string }).phase);
    expect(phases).toEqual(['GENERATED', 'PUBLISHED', 'ACTIVATED']);
  });
});

describe('POST /oauth2/token client_credentials', () => {
  it('issues an RFC 9068 token, no-store, and publishes TokenIssued with the contract fields', async () => {
    const r = await postForm(`${svc.url}/oauth2/token`, { grant_type: 'client_credentials', scope: 'read' }, { ...billing, traceparent: `00-${'ab'.repeat(16)}-${'cd'.repeat(8)}-01` });
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.json).toMatchObject({ token_type: 'Bearer', expires_in: 900, scope: 'read' });
    expect(r.json).not.toHaveProperty('refresh_token');
    const token = r.json?.access_token as string;
    expect(decodeProtectedHeader(token)).toMatchObject({ typ: 'at+jwt', alg: 'ES256' });
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ iss: ISSUER, sub: 'billing', aud: API, client_id: 'billing', scope: 'read' });
    const [e] = await events.await('TokenIssued', (v) => v.jti === claims.jti);
    expect(e).toMatchObject({
      iss: ISSUER, token_kind: 'ACCESS', aud: [API], scope: ['read'], alg: 'ES256', kid: decodeProtectedHeader(token).kid,
      grant_type: 'CLIENT_CREDENTIALS', lifetime_seconds: 900, family_id: null, parent_jti: null, consent_ref: null,
      token_fingerprint: createHash('sha256').update(token).digest('hex'), issued_at: (claims.iat as number) * 1000,
    });
    expect(e.header).toMatchObject({
      tenant_id: 'default', trace_id: 'ab'.repeat(16), client_id: 'billing', ip: expect.stringContaining('127.0.0.1'),
      producer: { service: 'token-service', instance: 'tsvc_endpoints-1', version: '0.1.0' },
    });
    expect(e.header.subject_ref).toMatch(hex64);
    expect(e.header.event_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(JSON.stringify(events.audit())).not.toContain(token);
  });

  it('a scope beyond the registration → 400 invalid_scope and one IssuanceDenied', async () => {
    const r = await clientCredentials('read admin');
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ error: 'invalid_scope', error_description: expect.any(String) });
    await events.await('IssuanceDenied', (v) => v.reason === 'SCOPE_NOT_ALLOWED' && v.header.client_id === 'billing');
  });

  it('bad credentials → 401 invalid_client with WWW-Authenticate, and IssuanceDenied CLIENT_UNAUTHENTICATED', async () => {
    const r = await postForm(`${svc.url}/oauth2/token`, { grant_type: 'client_credentials' }, { authorization: basic('billing', 'wrong-secret-wrong-secret-wrong-secret') });
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toMatch(/^Basic /);
    expect(r.json).toEqual({ error: 'invalid_client', error_description: expect.any(String) });
    await events.await('IssuanceDenied', (v) => v.reason === 'CLIENT_UNAUTHENTICATED' && v.header.client_id === 'billing');
  });
});

describe('token exchange and refresh', () => {
  it('mints access + refresh for a user; session_id and consent_ref reach the events', async () => {
    const st = await subjectToken(c.clients.gatewayKey, ISSUER, 'alice');
    const r = await postForm(`${svc.url}/oauth2/token`, {
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token: st,
      subject_token_type: 'urn:ietf:params:oauth:token-type:jwt', scope: 'read profile:read',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: await clientAssertion(c.clients.gatewayKey, `${ISSUER}/oauth2/token`),
    });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ issued_token_type: 'urn:ietf:params:oauth:token-type:access_token', scope: 'read profile:read' });
    const jti = decodeJwt(r.json?.access_token as string).jti as string;
    const [access] = await events.await('TokenIssued', (v) => v.jti === jti);
    expect(access).toMatchObject({ grant_type: 'TOKEN_EXCHANGE', consent_ref: 'consent-alice', family_id: expect.any(String) });
    expect(access.header).toMatchObject({ session_id: 'sess-alice', client_id: 'gateway' });
    const [refresh] = await events.await('TokenIssued', (v) => v.token_kind === 'REFRESH' && v.family_id === access.family_id);
    expect(refresh).toMatchObject({ alg: 'opaque', kid: '', consent_ref: 'consent-alice', parent_jti: null });
    expect(refresh.header.subject_ref).toBe(access.header.subject_ref);

    const rotated = await postForm(`${svc.url}/oauth2/token`, {
      grant_type: 'refresh_token', refresh_token: r.json?.refresh_token as string,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: await clientAssertion(c.clients.gatewayKey, `${ISSUER}/oauth2/token`),
    });
    expect(rotated.status).toBe(200);
    expect(rotated.json?.refresh_token).not.toBe(r.json?.refresh_token);
    const [second] = await events.await('TokenIssued', (v) => v.token_kind === 'REFRESH' && v.family_id === access.family_id && v.parent_jti !== null);
    expect(second).toMatchObject({ grant_type: 'REFRESH_TOKEN', parent_jti: refresh.jti, consent_ref: 'consent-alice' });
    expect(second.header.session_id).toBe('sess-alice');
  });

  it('a subject token without consent for a consent-bound scope → access_denied + IssuanceDenied CONSENT_MISSING', async () => {
    const st = await subjectToken(c.clients.gatewayKey, ISSUER, 'bob', { consented_scope: undefined });
    const r = await postForm(`${svc.url}/oauth2/token`, {
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token: st,
      subject_token_type: 'urn:ietf:params:oauth:token-type:jwt', scope: 'profile:read',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: await clientAssertion(c.clients.gatewayKey, `${ISSUER}/oauth2/token`),
    });
    expect(r.status).toBe(400);
    expect(r.json?.error).toBe('access_denied');
    await events.await('IssuanceDenied', (v) => v.reason === 'CONSENT_MISSING' && v.header.client_id === 'gateway');
  });
});

describe('validation endpoints', () => {
  it('/v1/validate answers the verdict and publishes one TokenValidated', async () => {
    const token = (await clientCredentials()).json?.access_token as string;
    const r = await postJson(`${svc.url}/v1/validate`, { token, audience: API }, rs);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ valid: true, reason: 'OK', sub: 'billing', client_id: 'billing' });
    const jti = decodeJwt(token).jti;
    const [e] = await events.await('TokenValidated', (v) => v.jti === jti && v.validator === 'token-service');
    expect(e).toMatchObject({ outcome: 'VALID', reason: 'OK', audience: API, resource_server: 'resource-api', alg: 'ES256' });
  });

  it('/oauth2/introspect: active for the resource server, exactly {"active": false} for a stranger', async () => {
    const token = (await clientCredentials()).json?.access_token as string;
    const ok = await postForm(`${svc.url}/oauth2/introspect`, { token }, rs);
    expect(ok.json).toMatchObject({ active: true, client_id: 'billing', sub: 'billing', scope: 'read', token_type: 'Bearer' });
    const stranger = await postForm(`${svc.url}/oauth2/introspect`, { token }, { authorization: basic('rival', SECRET) });
    expect(stranger.status).toBe(200);
    expect(stranger.text).toBe('{"active":false}');
    const jti = decodeJwt(token).jti;
    await events.await('TokenValidated', (v) => v.jti === jti && v.validator === 'introspection' && v.reason === 'CLIENT_MISMATCH' && v.resource_server === 'rival');
  });
});
