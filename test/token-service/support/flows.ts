// Common token flows of the integration tests.
import { decodeJwt } from 'jose';
import { assertionParams, SECRET, subjectToken } from './clients';
import type { Cluster, Instance } from './harness';
import { ISSUER } from './harness';
import { basic, postForm, Reply } from './http';

export const TOKEN_ENDPOINT = `${ISSUER}/oauth2/token`;
export const EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const JWT_TYPE = 'urn:ietf:params:oauth:token-type:jwt';

export async function clientCredentials(svc: Instance, clientId = 'billing', scope = 'read'): Promise<{ token: string; jti: string }> {
  const r = await postForm(`${svc.url}/oauth2/token`, { grant_type: 'client_credentials', scope }, { authorization: basic(clientId, SECRET) });
  if (r.status !== 200) throw new Error(`client_credentials failed: ${r.status} ${r.text}`);
  const token = r.json?.access_token as string;
  return { token, jti: decodeJwt(token).jti as string };
}

/** Token exchange for `sub` by the gateway (or `clientId` sharing its key). */
export async function exchange(c: Cluster, svc: Instance, sub: string, clientId = 'gateway', scope = 'read'): Promise<Reply> {
  return postForm(`${svc.url}/oauth2/token`, {
    grant_type: EXCHANGE, subject_token: await subjectToken(c.clients.gatewayKey, ISSUER, sub, {}, clientId), subject_token_type: JWT_TYPE,
    scope, ...(await assertionParams(c.clients.gatewayKey, TOKEN_ENDPOINT, clientId)),
  });
}

export async function refresh(c: Cluster, svc: Instance, refreshToken: string, clientId = 'gateway'): Promise<Reply> {
  return postForm(`${svc.url}/oauth2/token`, {
    grant_type: 'refresh_token', refresh_token: refreshToken, ...(await assertionParams(c.clients.gatewayKey, TOKEN_ENDPOINT, clientId)),
  });
}

/** POST /v1/validate as the resource server; returns the verdict body. */
export async function validate(svc: Instance, token: string): Promise<Record<string, unknown> | undefined> {
  const r = await postForm(`${svc.url}/v1/validate`, { token }, { authorization: basic('resource-api', SECRET) });
  return r.json;
}

export const jtiOf = (token: string): string => decodeJwt(token).jti as string;
