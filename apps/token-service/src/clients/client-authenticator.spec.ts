import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { FormParams } from '../oauth/form-params';
import { clientsFile, ClientKit, SECRET } from '../testing/client-kit';
import { ISSUER, T0, testPolicy } from '../testing/token-kit';
import { tokenEndpointOf } from '../token-service.config';
import { ClientAssertionVerifier } from './client-assertion';
import { ClientAuthenticator, JWT_BEARER_ASSERTION } from './client-authenticator';
import { ClientRegistry } from './client-registry';
import { ReplayCache } from './replay-cache';

let kit: ClientKit;
let auth: ClientAuthenticator;
let registry: ClientRegistry;
beforeAll(async () => (kit = await clientsFile()));
beforeEach(() => {
  registry = ClientRegistry.fromJson(kit.json, testPolicy());
  const assertions = new ClientAssertionVerifier({
    registry, tokenEndpoint: tokenEndpointOf(ISSUER), issuer: ISSUER, replay: new ReplayCache(() => T0), clockToleranceSeconds: 30, now: () => T0,
  });
  auth = new ClientAuthenticator({ registry, assertions, now: () => T0 });
});

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
const assertion = () => new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: 'web-1' }).setIssuer('web-app').setSubject('web-app')
  .setAudience(tokenEndpointOf(ISSUER)).setIssuedAt(T0 / 1000).setExpirationTime(T0 / 1000 + 60).setJti(randomUUID()).sign(kit.assertionKey);
const problem = async (p: Promise<unknown>) => p.then(() => 'accepted', (e: { status: number; error: string }) => `${e.status} ${e.error}`);

describe('ClientAuthenticator', () => {
  it('client_secret_basic and private_key_jwt, each as registered', async () => {
    expect(await auth.authenticate(basic('billing', SECRET), new FormParams({}))).toMatchObject({ client: { clientId: 'billing' }, method: 'client_secret_basic' });
    const form = new FormParams({ client_assertion_type: JWT_BEARER_ASSERTION, client_assertion: await assertion() });
    expect(await auth.authenticate(undefined, form)).toMatchObject({ client: { clientId: 'web-app' }, method: 'private_key_jwt' });
  });

  it.each([
    ['no credentials', undefined, {}, '401 invalid_client'],
    ['wrong secret', basic('billing', 'x'.repeat(40)), {}, '401 invalid_client'],
    ['unknown client', basic('mallory', SECRET), {}, '401 invalid_client'],
    ['registered for basic, sent by post', undefined, { client_id: 'billing', client_secret: SECRET }, '401 invalid_client'],
    ['basic and post together', basic('billing', SECRET), { client_id: 'billing', client_secret: SECRET }, '400 invalid_request'],
    ['client_id differs from the Basic user', basic('billing', SECRET), { client_id: 'web-app' }, '401 invalid_client'],
    ['Bearer instead of Basic', 'Bearer abc', {}, '401 invalid_client'],
    ['Basic without a colon', `Basic ${Buffer.from('billing').toString('base64')}`, {}, '401 invalid_client'],
    ['Basic with bad percent-encoding', `Basic ${Buffer.from('bil%ZZ:x').toString('base64')}`, {}, '401 invalid_client'],
    ['assertion of the wrong type', undefined, { client_assertion_type: 'urn:x', client_assertion: 'a.b.c' }, '400 invalid_request'],
    ['garbage assertion', undefined, { client_assertion_type: JWT_BEARER_ASSERTION, client_assertion: 'a.b.c' }, '401 invalid_client'],
  ])('%s → %s', async (_name, authorization, body, expected) => {
    expect(await problem(auth.authenticate(authorization, new FormParams(body)))).toBe(expected);
  });

  it('remembers a verified secret (no scrypt per call), never a wrong one', async () => {
    const spy = jest.spyOn(registry, 'verifySecret');
    await auth.authenticate(basic('billing', SECRET), new FormParams({}));
    await auth.authenticate(basic('billing', SECRET), new FormParams({}));
    expect(spy).toHaveBeenCalledTimes(1);
    await problem(auth.authenticate(basic('billing', `${SECRET}x`), new FormParams({})));
    await problem(auth.authenticate(basic('billing', `${SECRET}x`), new FormParams({})));
    expect(spy).toHaveBeenCalledTimes(3);
  });

  it('claimedClient names only registered clients (audit headers of failures)', () => {
    expect(auth.claimedClient(basic('billing', 'wrong'), new FormParams({}))).toBe('billing');
    expect(auth.claimedClient(basic('<script>', 'x'), new FormParams({}))).toBeNull();
  });
});

describe('FormParams', () => {
  it('empty values are omitted; repeated or non-string values are invalid_request', () => {
    const f = new FormParams({ a: '', scope: 'read  write read' });
    expect([f.get('a'), f.has('a'), f.scopes()]).toEqual([undefined, false, ['read', 'write']]);
    expect(() => new FormParams({ a: ['1', '2'] })).toThrow(expect.objectContaining({ error: 'invalid_request' }));
    expect(() => new FormParams({ a: { b: 1 } })).toThrow(expect.objectContaining({ error: 'invalid_request' }));
    expect(() => new FormParams([1])).toThrow(expect.objectContaining({ error: 'invalid_request' }));
    expect(() => new FormParams({}).require('token')).toThrow(expect.objectContaining({ status: 400, error: 'invalid_request' }));
  });
});
