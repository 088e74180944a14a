// Refresh rotation, reuse detection and the concurrent race (ATTACKS.md 22), browser cookies, and erasure (21).
import { testEnv, waitFor } from '@tokenwarden/testing';
import { EventLog } from './support/event-log';
import { clientCredentials, exchange, jtiOf, refresh, validate } from './support/flows';
import { ADMIN_TOKEN, cluster, Cluster, Instance } from './support/harness';
import { post } from './support/http';

let c: Cluster;
let a: Instance;
let b: Instance;
let events: EventLog;

beforeAll(async () => {
  c = await cluster('tsvc_refresh');
  a = await c.start();
  b = await c.start({ TW_KEY_ROTATION_LEADER: 'false' });
  events = await EventLog.start(testEnv().kafkaBrokers, c.topics);
  await waitFor(() => a.runtime.readiness().ready && b.runtime.readiness().ready, 30000, { what: 'instances ready' });
});
afterAll(async () => {
  await events?.stop();
  await c?.stopAll();
});

describe('22. refresh rotation', () => {
  it('a rotated refresh token presented again revokes the whole family and publishes the reuse', async () => {
    const first = await exchange(c, a, 'erin');
    const second = await refresh(c, a, first.json?.refresh_token as string);
    expect(second.status).toBe(200);
    const reuse = await refresh(c, a, first.json?.refresh_token as string);
    expect(reuse.status).toBe(400);
    expect(reuse.json).toEqual({ error: 'invalid_grant', error_description: expect.any(String) });
    // The newest refresh token of the family is dead too, and so are the family's access tokens.
    expect((await refresh(c, a, second.json?.refresh_token as string)).json?.error).toBe('invalid_grant');
    for (const t of [first.json?.access_token as string, second.json?.access_token as string]) {
      await waitFor(async () => (await validate(b, t))?.reason === 'REVOKED', 2000, { what: 'family access token refused' });
    }
    const denied = await events.await('IssuanceDenied', (v) => v.reason === 'REFRESH_REUSED');
    const familyEvents = await events.await('TokenRevoked', (v) => v.reason === 'REFRESH_REUSE', 4);
    expect(familyEvents.filter((v) => v.token_kind === 'REFRESH')).toHaveLength(2);
    expect(new Set(familyEvents.map((v) => v.family_id)).size).toBe(1);
    expect(familyEvents.every((v) => v.header.subject_ref === denied[0].header.subject_ref)).toBe(true);
  });

  it('two concurrent refreshes with one token: exactly one succeeds', async () => {
    const first = await exchange(c, a, 'fynn');
    const results = await Promise.all([0, 1, 2].map(() => refresh(c, a, first.json?.refresh_token as string)));
    expect(results.map((r) => r.status).sort()).toEqual([200, 400, 400]);
    const winner = results.find((r) => r.status === 200);
    const jti = jtiOf(winner?.json?.access_token as string);
    // The losers are reuse: the family (with the winner's fresh token) is revoked.
    await waitFor(async () => (await validate(a, winner?.json?.access_token as string))?.reason === 'REVOKED', 2000, { what: 'winner revoked' });
    await events.await('TokenRevoked', (v) => v.jti === jti && v.reason === 'REFRESH_REUSE');
  });

  it('browser clients get the refresh token in an HttpOnly, Secure, SameSite=Strict cookie scoped to the token endpoint', async () => {
    const r = await exchange(c, a, 'gwen', 'web');
    expect(r.status).toBe(200);
    expect(r.json).not.toHaveProperty('refresh_token');
    const cookie = r.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^__Secure-tw_refresh=[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}; Path=\/oauth2\/token; Max-Age=\d+; HttpOnly; Secure; SameSite=Strict$/);
    const value = cookie.split(';')[0];
    const { assertionParams } = await import('./support/clients');
    const form = new URLSearchParams({ grant_type: 'refresh_token', ...(await assertionParams(c.clients.gatewayKey, 'https://id.tokenwarden.test/oauth2/token', 'web')) });
    const rotated = await post(`${a.url}/oauth2/token`, form.toString(), { 'content-type': 'application/x-www-form-urlencoded', cookie: value });
    expect(rotated.status).toBe(200);
    expect(rotated.headers.get('set-cookie')).not.toContain(value);
  });
});

describe('21. subject erasure', () => {
  const erase = (svc: Instance, subject: string, auth = `Bearer ${ADMIN_TOKEN}`) =>
    post(`${svc.url}/v1/subjects/${encodeURIComponent(subject)}/erase`, undefined, { authorization: auth, 'x-operator': 'dpo-1', 'x-request-ref': 'TICKET-7' });

  it('needs the admin token', async () => {
    const r = await erase(a, 'hana', 'Bearer not-the-admin-token');
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect((await erase(a, 'hana', '')).status).toBe(401);
  });

  it('revokes every live token and refresh family, publishes TokenRevoked + SubjectErased, and B refuses older tokens', async () => {
    const onA = await exchange(c, a, 'hana');
    const onB = await exchange(c, b, 'hana');
    const r = await erase(a, 'hana');
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ tokens_revoked: 2, families_revoked: 1, subject_ref: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const ref = r.json?.subject_ref as string;
    const [erased] = await events.await('SubjectErased', (v) => v.header.subject_ref === ref);
    expect(erased).toMatchObject({ tokens_revoked: 2, families_revoked: 1, request_ref: 'TICKET-7', requested_by: expect.stringMatching(/^admin:[0-9a-f]{16}$/) });
    expect(await validate(a, onA.json?.access_token as string)).toEqual({ valid: false, reason: 'REVOKED' });
    expect((await refresh(c, a, onA.json?.refresh_token as string)).json?.error).toBe('invalid_grant');
    // Issued by B, unknown to A: B reads the erasure marker, drops its own family of the subject and revokes its tokens.
    const refused = ['REVOKED', 'SUBJECT_ERASED'];
    await waitFor(async () => refused.includes((await validate(b, onB.json?.access_token as string))?.reason as string), 2000, { what: 'B refuses' });
    await waitFor(async () => (await refresh(c, b, onB.json?.refresh_token as string)).json?.error === 'invalid_grant', 2000, { what: 'B family gone' });
    await events.await('TokenRevoked', (v) => v.header.subject_ref === ref && v.reason === 'SUBJECT_ERASED' && v.revoked_by === 'system', 2);
    expect(JSON.stringify(events.audit())).not.toContain('"hana"');
    // A new login after the erasure works (tokens issued after the erasure second).
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const again = await exchange(c, a, 'hana');
    expect(await validate(b, again.json?.access_token as string)).toMatchObject({ valid: true });
  });

  it('tokens issued elsewhere are refused by the erasure marker (SUBJECT_ERASED) on every instance', async () => {
    const here = await clientCredentials(a, 'billing');
    const elsewhere = await clientCredentials(b, 'billing');
    const r = await erase(a, 'billing');
    expect(r.json).toMatchObject({ tokens_revoked: 1, families_revoked: 0 });
    await events.await('TokenRevoked', (v) => v.jti === here.jti && v.reason === 'SUBJECT_ERASED');
    expect(await validate(a, here.token)).toEqual({ valid: false, reason: 'REVOKED' });
    expect(await validate(a, elsewhere.token)).toEqual({ valid: false, reason: 'SUBJECT_ERASED' });
    await waitFor(async () => (await validate(b, elsewhere.token))?.reason === 'SUBJECT_ERASED', 2000, { what: 'B reads the marker' });
  });
});
