// Test clients: one per authentication method and role, written as a real clients file.
import { generateKeyPairSync, KeyObject, randomUUID } from 'node:crypto';
import { exportJWK, SignJWT } from 'jose';
import { hashClientSecret } from '../../../apps/token-service/src/clients/secret-hash';

export const SECRET = 'integration-secret-0123456789-abcdef';
export const API = 'https://api.tokenwarden.test';
export const OTHER_API = 'https://other.tokenwarden.test';

export interface TestClients {
  readonly json: Record<string, unknown>;
  /** Private key of the identity gateway (private_key_jwt + subject tokens). */
  readonly gatewayKey: KeyObject;
}

/** scrypt N=2^14, the least the registry accepts, keeps boot fast. */
export async function testClients(): Promise<TestClients> {
  const hash = await hashClientSecret(SECRET, { N: 2 ** 14, r: 8, p: 1 });
  const gateway = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const secretClient = (clientId: string, method: string, grants: string[], scope: string, audiences: string[], extra = {}) => ({
    client_id: clientId, token_endpoint_auth_method: method, client_secret_hash: hash, grant_types: grants, scope, audiences, ...extra,
  });
  const json = {
    clients: [
      secretClient('billing', 'client_secret_basic', ['client_credentials'], 'read write', [API]),
      secretClient('rival', 'client_secret_basic', ['client_credentials'], 'read', [OTHER_API]),
      secretClient('resource-api', 'client_secret_basic', ['client_credentials'], 'read', [API]),
      secretClient('portal', 'client_secret_post', ['refresh_token', 'urn:ietf:params:oauth:grant-type:token-exchange'], 'read', [API], { refresh_token_cookie: true }),
      {
        client_id: 'gateway', token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [{ ...(await exportJWK(gateway.publicKey)), kid: 'gw-1', alg: 'ES256' }] },
        grant_types: ['urn:ietf:params:oauth:grant-type:token-exchange', 'refresh_token'], scope: 'read profile:read', audiences: [API],
      },
      {
        // A browser app's backend: its refresh tokens travel in the HttpOnly cookie.
        client_id: 'web', token_endpoint_auth_method: 'private_key_jwt', refresh_token_cookie: true,
        jwks: { keys: [{ ...(await exportJWK(gateway.publicKey)), kid: 'gw-1', alg: 'ES256' }] },
        grant_types: ['urn:ietf:params:oauth:grant-type:token-exchange', 'refresh_token'], scope: 'read', audiences: [API],
      },
    ],
  };
  return { json, gatewayKey: gateway.privateKey };
}

/** private_key_jwt assertion (RFC 7523) of the gateway, or of `clientId` sharing its key. */
export function clientAssertion(key: KeyObject, tokenEndpoint: string, clientId = 'gateway'): Promise<string> {
  return new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: 'gw-1' }).setIssuer(clientId).setSubject(clientId)
    .setAudience(tokenEndpoint).setIssuedAt().setExpirationTime('60s').setJti(randomUUID()).sign(key);
}

/** The token-exchange subject_token our gateway signs after it authenticated `sub`. */
export function subjectToken(key: KeyObject, issuer: string, sub: string, extra: Record<string, unknown> = {}, clientId = 'gateway'): Promise<string> {
  return new SignJWT({ sid: `sess-${sub}`, consent_ref: `consent-${sub}`, consented_scope: 'profile:read', ...extra })
    .setProtectedHeader({ alg: 'ES256', kid: 'gw-1', typ: 'tokenwarden-subject+jwt' }).setIssuer(clientId).setSubject(sub)
    .setAudience(issuer).setIssuedAt().setExpirationTime('60s').setJti(randomUUID()).sign(key);
}

/** Form parameters of a private_key_jwt client. */
export async function assertionParams(key: KeyObject, tokenEndpoint: string, clientId = 'gateway'): Promise<Record<string, string>> {
  return {
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: await clientAssertion(key, tokenEndpoint, clientId),
  };
}
