import { FieldReader, isPlainObject, Json, Policy } from '@tokenwarden/policy';
import { PublicKeyEntry, readPublicJwk } from './jwk-rules';
import { parseSecretHash, SecretHash } from './secret-hash';

export const GRANT_TYPES = ['client_credentials', 'refresh_token', 'urn:ietf:params:oauth:grant-type:token-exchange'] as const;
export type GrantType = (typeof GRANT_TYPES)[number];
export const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt'] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];
/** Client assertions are signatures: asymmetric algorithms only. */
export const ASSERTION_ALGS = ['ES256', 'ES384', 'RS256', 'PS256', 'EdDSA'];

/** A registered client as the rest of the service sees it; its secret hash stays inside the registry. */
export interface RegisteredClient {
  readonly clientId: string;
  readonly authMethod: AuthMethod;
  readonly grantTypes: readonly GrantType[];
  readonly scopes: readonly string[];
  readonly audiences: readonly string[];
  /** Browser client: deliver the refresh token in an HttpOnly, Secure, SameSite=Strict cookie. */
  readonly refreshTokenCookie: boolean;
  /** private_key_jwt only: keys its assertions are verified with. */
  readonly assertionKeys: readonly PublicKeyEntry[];
}

export interface ClientFile {
  readonly clients: readonly RegisteredClient[];
  readonly secrets: ReadonlyMap<string, SecretHash>;
  /** Audience → the key nested JWTs for it are encrypted to. */
  readonly encryptionKeys: ReadonlyMap<string, PublicKeyEntry>;
}

const CLIENT_FIELDS = ['client_id', 'token_endpoint_auth_method', 'client_secret_hash', 'client_secret', 'grant_types',
  'scope', 'audiences', 'refresh_token_cookie', 'jwks', 'description'];
const CLIENT_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]{1,128}$/;
const AUDIENCE = /^\S{1,256}$/;
const oneOf = (xs: readonly string[]) => (s: string) => (xs.includes(s) ? undefined : `must be one of ${xs.join(', ')}`);

/**
 * Validates the clients file (RFC 7591 metadata names where one exists). Every
 * problem is named by its path, e.g. `clients[2].client_secret_hash has scrypt N=1024 ...`.
 */
export function parseClientFile(raw: unknown, policy: Policy): { file: ClientFile; problems: string[] } {
  const r = new FieldReader();
  const clients: RegisteredClient[] = [];
  const secrets = new Map<string, SecretHash>();
  const encryptionKeys = new Map<string, PublicKeyEntry>();
  const doc: Json = isPlainObject(raw) ? raw : {};
  if (!isPlainObject(raw)) r.problems.push('the clients file must be a JSON object');
  r.unknownKeys(doc, '', ['clients', 'resources', '$comment']);
  /** Records a problem and carries on with a neutral value, so every problem of the file is reported. */
  const bad = <T>(problem: string, value: T): T => {
    r.problems.push(problem);
    return value;
  };
  const list = (v: unknown, name: string): unknown[] => (Array.isArray(v) ? v : bad(`${name} must be a list`, []));

  list(doc.clients, 'clients').forEach((c, i) => {
    const path = `clients[${i}]`;
    if (!isPlainObject(c)) return void r.problems.push(`${path} must be an object`);
    r.unknownKeys(c, path, CLIENT_FIELDS);
    const clientId = r.string(c, 'client_id', path, CLIENT_ID);
    if (clients.some((x) => x.clientId === clientId)) r.problems.push(`${path}.client_id duplicates "${clientId}"`);
    const authMethod = r.string(c, 'token_endpoint_auth_method', path, /^(client_secret_basic|client_secret_post|private_key_jwt)$/) as AuthMethod;
    if (c.client_secret !== undefined) r.problems.push(`${path}.client_secret: plain-text secrets are refused; store client_secret_hash`);
    let assertionKeys: PublicKeyEntry[] = [];
    if (authMethod === 'private_key_jwt') {
      if (c.client_secret_hash !== undefined) r.problems.push(`${path}.client_secret_hash must be absent for private_key_jwt`);
      const keys = isPlainObject(c.jwks) && Array.isArray(c.jwks.keys) ? c.jwks.keys : [];
      if (keys.length === 0) r.problems.push(`${path}.jwks.keys must list the client's public keys`);
      assertionKeys = keys.flatMap((k, j) => {
        const e = readPublicJwk(k, ASSERTION_ALGS, 'sig');
        return typeof e === 'string' ? bad(`${path}.jwks.keys[${j}] ${e}`, []) : [e];
      });
    } else if (authMethod) {
      const h = typeof c.client_secret_hash === 'string' ? parseSecretHash(c.client_secret_hash) : 'is required';
      if (typeof h === 'string') r.problems.push(`${path}.client_secret_hash ${h}`);
      else secrets.set(clientId, h);
    }
    const grantTypes = r.list(c, 'grant_types', path, [], oneOf(GRANT_TYPES), { nonEmpty: true }) as GrantType[];
    if (c.grant_types === undefined) r.problems.push(`${path}.grant_types is required`);
    const scope = c.scope === undefined ? '' : typeof c.scope === 'string' ? c.scope : bad(`${path}.scope must be a string`, '');
    const scopes = scope.split(' ').filter((s) => s.length > 0);
    scopes.filter((s) => !SCOPE_TOKEN.test(s)).forEach((s) => r.problems.push(`${path}.scope has an invalid scope token "${s}"`));
    const audiences = r.list(c, 'audiences', path, [], (s) => (AUDIENCE.test(s) ? undefined : 'must be a non-empty string without spaces'), { nonEmpty: true });
    if (c.audiences === undefined) r.problems.push(`${path}.audiences is required`);
    const cookie = c.refresh_token_cookie ?? false;
    if (typeof cookie !== 'boolean') r.problems.push(`${path}.refresh_token_cookie must be true or false`);
    if (cookie === true && !grantTypes.includes('refresh_token')) r.problems.push(`${path}.refresh_token_cookie needs the refresh_token grant`);
    clients.push(Object.freeze({ clientId, authMethod, grantTypes, scopes, audiences, refreshTokenCookie: cookie === true, assertionKeys }));
  });

  list(doc.resources ?? [], 'resources').forEach((res, i) => {
    const path = `resources[${i}]`;
    if (!isPlainObject(res)) return void r.problems.push(`${path} must be an object`);
    r.unknownKeys(res, path, ['audience', 'encryption_jwk', 'description']);
    const audience = r.string(res, 'audience', path, AUDIENCE);
    if (encryptionKeys.has(audience)) r.problems.push(`${path}.audience duplicates "${audience}"`);
    const key = readPublicJwk(res.encryption_jwk, policy.encryption.keyManagement, 'enc');
    if (typeof key === 'string') r.problems.push(`${path}.encryption_jwk ${key}`);
    else encryptionKeys.set(audience, key);
  });
  return { file: { clients, secrets, encryptionKeys }, problems: r.problems };
}
