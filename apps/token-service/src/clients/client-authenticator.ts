import { createHash } from 'node:crypto';
import { FormParams } from '../oauth/form-params';
import { invalidClient, invalidRequest } from '../oauth/oauth-problem';
import type { ClientAssertionVerifier } from './client-assertion';
import type { AuthMethod, RegisteredClient } from './client-config';
import type { ClientRegistry } from './client-registry';

export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** A caller whose credentials checked out, and how it proved itself. */
export interface AuthenticatedClient {
  readonly client: RegisteredClient;
  readonly method: AuthMethod;
}

export interface ClientAuthenticatorDeps {
  readonly registry: Pick<ClientRegistry, 'get' | 'verifySecret'>;
  readonly assertions: Pick<ClientAssertionVerifier, 'verify'>;
  readonly now: () => number;
  /** How long a verified secret is remembered, sparing an scrypt run per call. Default 5 minutes. */
  readonly secretCacheMs?: number;
}

type Presented =
  | { readonly method: 'client_secret_basic' | 'client_secret_post'; readonly clientId: string; readonly secret: string }
  | { readonly method: 'private_key_jwt'; readonly clientId?: string; readonly assertion: string };

const MAX_CACHED = 1000;

/**
 * Client authentication for the token, introspection and revocation endpoints
 * (RFC 6749 §2.3, RFC 7523 §2.2): exactly one method per request, and it must be
 * the client's registered `token_endpoint_auth_method`. Every failure is the same
 * 401 invalid_client, whatever failed.
 */
export class ClientAuthenticator {
  /** sha256(client_id, secret) → expiry: the scrypt result, not the secret, is what is remembered. */
  private readonly verified = new Map<string, { readonly client: RegisteredClient; readonly untilMs: number }>();

  constructor(private readonly deps: ClientAuthenticatorDeps) {}

  /** Throws OAuthProblem: 400 invalid_request for several methods, 401 invalid_client otherwise. */
  async authenticate(authorization: unknown, form: FormParams): Promise<AuthenticatedClient> {
    const presented = presentedCredentials(authorization, form);
    if (presented.method === 'private_key_jwt') {
      const r = await this.deps.assertions.verify(presented.assertion, presented.clientId);
      if (!r.ok) throw invalidClient();
      return { client: r.client, method: presented.method };
    }
    const client = await this.verifySecret(presented.clientId, presented.secret);
    if (!client || client.authMethod !== presented.method) throw invalidClient();
    return { client, method: presented.method };
  }

  /** The registered client a request names, if any, without checking anything (for audit headers of failures). */
  claimedClient(authorization: unknown, form: FormParams): string | null {
    let id: string | undefined;
    try {
      const p = presentedCredentials(authorization, form);
      id = p.clientId;
    } catch {
      id = form.get('client_id');
    }
    return id !== undefined && this.deps.registry.get(id) ? id : null;
  }

  private async verifySecret(clientId: string, secret: string): Promise<RegisteredClient | undefined> {
    const key = createHash('sha256').update(clientId).update('\u0000').update(secret).digest('hex');
    const now = this.deps.now();
    const hit = this.verified.get(key);
    if (hit && hit.untilMs > now) return hit.client;
    const client = await this.deps.registry.verifySecret(clientId, secret);
    if (client) {
      if (this.verified.size >= MAX_CACHED) this.verified.clear();
      this.verified.set(key, { client, untilMs: now + (this.deps.secretCacheMs ?? 300_000) });
    }
    return client;
  }
}

function presentedCredentials(authorization: unknown, form: FormParams): Presented {
  const found: Presented[] = [];
  if (authorization !== undefined) found.push(basic(authorization));
  const secret = form.get('client_secret');
  if (secret !== undefined) found.push({ method: 'client_secret_post', clientId: form.require('client_id'), secret });
  const assertion = form.get('client_assertion');
  if (assertion !== undefined || form.has('client_assertion_type')) {
    if (form.get('client_assertion_type') !== JWT_BEARER_ASSERTION) throw invalidRequest('client_assertion_type must be jwt-bearer');
    found.push({ method: 'private_key_jwt', clientId: form.get('client_id'), assertion: form.require('client_assertion') });
  }
  if (found.length > 1) throw invalidRequest('use exactly one client authentication method');
  if (found.length === 0) throw invalidClient('client authentication is required');
  const one = found[0];
  const named = form.get('client_id');
  if (named !== undefined && one.clientId !== undefined && named !== one.clientId) throw invalidClient();
  return one;
}

/** RFC 6749 §2.3.1: Basic with the form-urlencoded client id and secret. */
function basic(header: unknown): Presented {
  const m = typeof header === 'string' ? /^Basic ([A-Za-z0-9+/]+={0,2})$/i.exec(header.trim()) : null;
  if (!m) throw invalidClient('unsupported Authorization header');
  const text = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon < 1) throw invalidClient();
  try {
    const decode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
    return { method: 'client_secret_basic', clientId: decode(text.slice(0, colon)), secret: decode(text.slice(colon + 1)) };
  } catch {
    throw invalidClient();
  }
}
