// Test-only: a clients file with one client per authentication method and an
// audience that takes nested (encrypted) tokens.
import { generateKeyPairSync, KeyObject } from 'node:crypto';
import { exportJWK } from 'jose';
import { hashClientSecret } from '../clients/secret-hash';

export const SECRET = 's3cret-s3cret-s3cret-s3cret-s3cret-42';
export const ENC_AUDIENCE = 'https://health.tokenwarden.test';

export interface ClientKit {
  readonly json: Record<string, unknown>;
  readonly assertionKey: KeyObject;
  readonly audiencePrivateKey: KeyObject;
}

/** scrypt N=2^14 (the minimum we accept) keeps the suite fast. */
export async function clientsFile(): Promise<ClientKit> {
  const secretHash = await hashClientSecret(SECRET, { N: 2 ** 14, r: 8, p: 1 });
  const assertion = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const enc = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const json = {
    clients: [
      {
        client_id: 'billing', token_endpoint_auth_method: 'client_secret_basic', client_secret_hash: secretHash,
        grant_types: ['client_credentials'], scope: 'payments:write read', audiences: ['https://api.tokenwarden.test'],
      },
      {
        client_id: 'web-app', token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [{ ...(await exportJWK(assertion.publicKey)), kid: 'web-1', alg: 'ES256' }] },
        grant_types: ['refresh_token', 'urn:ietf:params:oauth:grant-type:token-exchange'], scope: 'read health:read profile:read',
        audiences: ['https://api.tokenwarden.test', ENC_AUDIENCE], refresh_token_cookie: true,
      },
    ],
    resources: [{ audience: ENC_AUDIENCE, encryption_jwk: { ...(await exportJWK(enc.publicKey)), kid: 'health-enc-1', alg: 'ECDH-ES+A256KW' } }],
  };
  return { json, assertionKey: assertion.privateKey, audiencePrivateKey: enc.privateKey };
}
