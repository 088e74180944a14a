import type { KeyObject } from 'node:crypto';

/**
 * What a verifier knows about a kid. `unavailable`: the key set cannot be
 * trusted right now (e.g. a cached JWKS past its maximum age); the token is
 * refused as INTERNAL_ERROR, never waved through.
 */
export type VerificationKey =
  | { readonly status: 'ok'; readonly alg: string; readonly key: KeyObject }
  | { readonly status: 'retired' }
  | { readonly status: 'revoked' }
  | { readonly status: 'unknown' }
  | { readonly status: 'unavailable' };

/**
 * Where the validator gets verification keys, by kid only. The token service's
 * KeyStore answers synchronously; a JWKS cache may fetch first.
 */
export interface KeyResolver {
  verificationKey(kid: string): VerificationKey | Promise<VerificationKey>;
}
