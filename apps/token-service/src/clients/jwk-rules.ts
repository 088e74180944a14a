import { KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import { isPlainObject } from '@tokenwarden/policy';
import { importPublicKey } from '../keys/key-material';

/** Members that make a JWK private or symmetric: a client file must never carry them. */
const SECRET_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'];

/** Which key types may serve which algorithm; a mismatch is a configuration error, not a runtime surprise. */
const KEY_TYPES: Record<string, (j: JWK) => boolean> = {
  ES256: (j) => j.kty === 'EC' && j.crv === 'P-256',
  ES384: (j) => j.kty === 'EC' && j.crv === 'P-384',
  RS256: (j) => j.kty === 'RSA',
  PS256: (j) => j.kty === 'RSA',
  EdDSA: (j) => j.kty === 'OKP' && j.crv === 'Ed25519',
  'ECDH-ES': (j) => (j.kty === 'EC' && ['P-256', 'P-384', 'P-521'].includes(j.crv ?? '')) || (j.kty === 'OKP' && j.crv === 'X25519'),
  'RSA-OAEP-256': (j) => j.kty === 'RSA',
};

export interface PublicKeyEntry { readonly kid: string; readonly alg: string; readonly key: KeyObject; readonly jwk: JWK }

/**
 * Checks one public JWK from a config file and imports it. Returns a problem
 * sentence for private or symmetric keys (an HMAC secret is not a public key),
 * weak RSA moduli, a missing kid or alg, or an alg the key type cannot serve.
 */
export function readPublicJwk(raw: unknown, algs: readonly string[], use: 'sig' | 'enc'): PublicKeyEntry | string {
  if (!isPlainObject(raw)) return 'must be a JWK object';
  const jwk = raw as unknown as JWK;
  if (jwk.kty === 'oct') return 'is a symmetric key; only public keys are accepted';
  const secret = SECRET_MEMBERS.find((m) => Object.hasOwn(jwk, m));
  if (secret) return `carries the private member "${secret}"; register the public key only`;
  if (jwk.use !== undefined && jwk.use !== use) return `has use "${String(jwk.use)}"; this key must be for "${use}"`;
  if (typeof jwk.kid !== 'string' || jwk.kid.length === 0 || jwk.kid.length > 128) return 'needs a kid';
  if (typeof jwk.alg !== 'string' || !algs.includes(jwk.alg)) return `needs an alg, one of ${algs.join(', ')}`;
  const family = jwk.alg.startsWith('ECDH-ES') ? 'ECDH-ES' : jwk.alg;
  if (!KEY_TYPES[family]?.(jwk)) return `has a key type that cannot serve ${jwk.alg}`;
  try {
    return { kid: jwk.kid, alg: jwk.alg, key: importPublicKey(jwk), jwk };
  } catch (e) {
    return (e as { code?: string }).code === 'ERR_KEY_WEAK' ? (e as Error).message : 'is not a valid public key';
  }
}
