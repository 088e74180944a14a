import { generateKeyPairSync } from 'node:crypto';
import { exportJWK } from 'jose';
import { loadPolicyFile } from '@tokenwarden/policy';
import { clientsFile, ClientKit, ENC_AUDIENCE, SECRET } from '../testing/client-kit';
import { testPolicy } from '../testing/token-kit';
import { ClientConfigError, ClientRegistry } from './client-registry';
import { hashClientSecret } from './secret-hash';

const policy = testPolicy();
let kit: ClientKit;
beforeAll(async () => (kit = await clientsFile()));

type Client = Record<string, unknown>;
const withClient = (i: number, patch: Client): unknown => {
  const clients = (kit.json.clients as Client[]).map((c, j) => (j === i ? { ...c, ...patch } : c));
  return { ...kit.json, clients };
};
function problems(raw: unknown): readonly string[] {
  try {
    ClientRegistry.fromJson(raw, policy);
  } catch (e) {
    expect((e as ClientConfigError).code).toBe('ERR_CLIENTS_INVALID');
    return (e as ClientConfigError).problems;
  }
  throw new Error('expected ClientConfigError');
}

describe('ClientRegistry', () => {
  it('loads clients, methods, scopes, audiences and encryption keys', () => {
    const r = ClientRegistry.fromJson(kit.json, policy);
    expect(r.get('billing')).toMatchObject({ authMethod: 'client_secret_basic', scopes: ['payments:write', 'read'], refreshTokenCookie: false });
    expect(r.get('web-app')).toMatchObject({ authMethod: 'private_key_jwt', refreshTokenCookie: true, assertionKeys: [{ kid: 'web-1', alg: 'ES256' }] });
    expect(r.encryptionKeyFor(ENC_AUDIENCE)).toMatchObject({ kid: 'health-enc-1', alg: 'ECDH-ES+A256KW' });
    expect(r.get('__proto__')).toBeUndefined();
    expect(JSON.stringify(r.get('billing'))).not.toContain('scrypt');
  });

  it('verifies secrets in constant time, only for secret-based clients', async () => {
    const r = ClientRegistry.fromJson(kit.json, policy);
    expect((await r.verifySecret('billing', SECRET))?.clientId).toBe('billing');
    expect(await r.verifySecret('billing', `${SECRET}x`)).toBeUndefined();
    expect(await r.verifySecret('billing', '')).toBeUndefined();
    expect(await r.verifySecret('nobody', SECRET)).toBeUndefined();
    expect(await r.verifySecret('web-app', SECRET)).toBeUndefined();
  });

  it('refuses short secrets when hashing', async () => {
    await expect(hashClientSecret('short')).rejects.toThrow(RangeError);
  });

  it.each([
    ['plain-text secret', 0, { client_secret: 'hunter2' }, 'clients[0].client_secret: plain-text secrets are refused'],
    ['weak scrypt N', 0, { client_secret_hash: 'scrypt$1024$8$1$AAAAAAAAAAAAAAAAAAAAAA$' + 'A'.repeat(43) }, 'clients[0].client_secret_hash has scrypt N=1024'],
    ['short salt', 0, { client_secret_hash: 'scrypt$16384$8$1$AAAA$' + 'A'.repeat(43) }, 'has a salt shorter than 16 bytes'],
    ['not scrypt', 0, { client_secret_hash: '$2b$12$abc' }, 'must look like scrypt$N$r$p$salt$hash'],
    ['missing hash', 0, { client_secret_hash: undefined }, 'clients[0].client_secret_hash is required'],
    ['unknown grant', 0, { grant_types: ['password'] }, 'clients[0].grant_types[0] must be one of'],
    ['implicit-style method', 0, { token_endpoint_auth_method: 'none' }, 'clients[0].token_endpoint_auth_method must be a string matching'],
    ['bad scope', 0, { scope: 'read "write"' }, 'clients[0].scope has an invalid scope token'],
    ['cookie without refresh', 0, { refresh_token_cookie: true }, 'clients[0].refresh_token_cookie needs the refresh_token grant'],
    ['duplicate id', 1, { client_id: 'billing' }, 'clients[1].client_id duplicates "billing"'],
    ['unknown field', 0, { redirect_uri: 'x' }, 'clients[0].redirect_uri is not a known field'],
    ['no audiences', 0, { audiences: [] }, 'clients[0].audiences must be a non-empty list'],
    ['HMAC key as a client key', 1, { jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0', kid: 'h', alg: 'HS256' }] } }, 'clients[1].jwks.keys[0] is a symmetric key'],
    ['private key registered', 1, { jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', d: 'd', kid: 'p', alg: 'ES256' }] } }, 'carries the private member "d"'],
    ['encryption key registered for signing', 1, { jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid: 'p', alg: 'ES256', use: 'enc' }] } }, 'has use "enc"; this key must be for "sig"'],
    ['key without alg', 1, { jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid: 'p' }] } }, 'needs an alg'],
    ['alg the key cannot serve', 1, { jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid: 'p', alg: 'RS256' }] } }, 'has a key type that cannot serve RS256'],
  ])('%s → names the field', (_n, i, patch, message) => {
    expect(problems(withClient(i, patch))).toEqual([expect.stringContaining(message)]);
  });

  it('refuses a 1024-bit RSA client key (ATTACKS.md 26)', async () => {
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const jwk = { ...(await exportJWK(weak.publicKey)), kid: 'weak', alg: 'RS256' };
    expect(problems(withClient(1, { jwks: { keys: [jwk] } }))).toEqual([expect.stringContaining('has 1024 bits; at least 2048 are required')]);
  });

  it('refuses an audience encryption key whose algorithm the policy does not allow', () => {
    const resources = [{ audience: ENC_AUDIENCE, encryption_jwk: { ...(kit.json.resources as { encryption_jwk: object }[])[0].encryption_jwk, alg: 'PBES2-HS256+A128KW' } }];
    expect(problems({ ...kit.json, resources })).toEqual([expect.stringContaining('resources[0].encryption_jwk needs an alg, one of ECDH-ES+A256KW')]);
  });

  it('refuses a file that is not an object, and an unreadable file', () => {
    expect(problems([])).toEqual(expect.arrayContaining(['the clients file must be a JSON object']));
    expect(() => ClientRegistry.load('/nonexistent/clients.json', policy)).toThrow(expect.objectContaining({ code: 'ERR_CLIENTS_UNREADABLE' }) as Error);
  });
});

describe('config/clients.json', () => {
  it('the example clients file in the repo is valid under config/policy.json', () => {
    const root = `${__dirname}/../../../..`;
    const registry = ClientRegistry.load(`${root}/config/clients.json`, loadPolicyFile(`${root}/config/policy.json`));
    expect(registry.get('billing-service')?.grantTypes).toEqual(['client_credentials']);
    expect(registry.encryptionKeyFor('https://api.example.com/health')?.alg).toBe('ECDH-ES+A256KW');
  });
});
