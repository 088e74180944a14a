import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/** Stored as `scrypt$N$r$p$<salt b64url>$<hash b64url>`; the plain secret is never stored. */
export interface SecretHash { readonly N: number; readonly r: number; readonly p: number; readonly salt: Buffer; readonly hash: Buffer }

/** OWASP password-storage guidance: N=2^15, r=8, p=1; below 2^14 is refused as weak. */
export const DEFAULT_SCRYPT = { N: 2 ** 15, r: 8, p: 1 } as const;
export const MIN_SCRYPT_N = 2 ** 14;
const MIN_SALT_BYTES = 16;
const HASH_BYTES = 32;
/** Client secrets are generated, not remembered: 32 characters is the least we hash. */
export const MIN_SECRET_LENGTH = 32;
const MAX_PRESENTED_LENGTH = 512;

function derive(secret: string, h: Pick<SecretHash, 'N' | 'r' | 'p' | 'salt'>, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret, h.salt, length, { N: h.N, r: h.r, p: h.p, maxmem: 256 * h.N * h.r }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

/** Hashes a new client secret for the clients file. */
export async function hashClientSecret(secret: string, params: { N: number; r: number; p: number } = DEFAULT_SCRYPT): Promise<string> {
  if (secret.length < MIN_SECRET_LENGTH) throw new RangeError(`client secrets must be at least ${MIN_SECRET_LENGTH} characters`);
  const salt = randomBytes(MIN_SALT_BYTES);
  const hash = await derive(secret, { ...params, salt }, HASH_BYTES);
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

/** Parses a stored hash; returns a problem sentence when it is malformed or too weak. */
export function parseSecretHash(stored: string): SecretHash | string {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return 'must look like scrypt$N$r$p$salt$hash';
  const [N, r, p] = parts.slice(1, 4).map(Number);
  const salt = Buffer.from(parts[4], 'base64url');
  const hash = Buffer.from(parts[5], 'base64url');
  if (!Number.isInteger(N) || N < MIN_SCRYPT_N || (N & (N - 1)) !== 0) return `has scrypt N=${parts[1]}; a power of two >= ${MIN_SCRYPT_N} is required`;
  if (!Number.isInteger(r) || r < 8 || !Number.isInteger(p) || p < 1 || p > 16) return 'has weak scrypt r/p (r >= 8, 1 <= p <= 16)';
  if (salt.length < MIN_SALT_BYTES) return `has a salt shorter than ${MIN_SALT_BYTES} bytes`;
  if (hash.length < HASH_BYTES) return `has a hash shorter than ${HASH_BYTES} bytes`;
  return { N, r, p, salt, hash };
}

/** Recomputes and compares in constant time. Cost does not depend on where the secret differs. */
export async function verifyClientSecret(h: SecretHash, presented: string): Promise<boolean> {
  const candidate = await derive(presented.slice(0, MAX_PRESENTED_LENGTH), h, h.hash.length);
  return timingSafeEqual(candidate, h.hash) && presented.length <= MAX_PRESENTED_LENGTH;
}
