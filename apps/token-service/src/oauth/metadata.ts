import type { Policy } from '@tokenwarden/policy';
import { AUTH_METHODS, GRANT_TYPES } from '../clients/client-config';

/** RFC 8414 authorization server metadata, derived from the issuer and the policy. */
export function serverMetadata(issuer: string, policy: Policy, scopes: readonly string[]): Record<string, unknown> {
  return {
    issuer,
    token_endpoint: `${issuer}/oauth2/token`,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    introspection_endpoint: `${issuer}/oauth2/introspect`,
    revocation_endpoint: `${issuer}/oauth2/revoke`,
    grant_types_supported: [...GRANT_TYPES],
    response_types_supported: [],
    scopes_supported: [...scopes],
    token_endpoint_auth_methods_supported: [...AUTH_METHODS],
    token_endpoint_auth_signing_alg_values_supported: ['ES256', 'ES384', 'RS256', 'PS256', 'EdDSA'],
    introspection_endpoint_auth_methods_supported: [...AUTH_METHODS],
    revocation_endpoint_auth_methods_supported: [...AUTH_METHODS],
    // RFC 9068 access tokens are signed with these (no HMAC).
    access_token_signing_alg_values_supported: [...policy.algorithms.allowed],
    service_documentation: `${issuer}/docs`,
  };
}
