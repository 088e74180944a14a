import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ProducerConfig } from './producer-config';

/** Keys shorter than this cannot carry 256 bits; refused before hashing. */
export const MIN_API_KEY_CHARS = 32;
const MAX_API_KEY_CHARS = 512;

/** A fresh API key (`twk_` + 32 random bytes, base64url) and the hash the producers file stores. */
export function newApiKey(): { key: string; keySha256: string } {
  const key = `twk_${randomBytes(32).toString('base64url')}`;
  return { key, keySha256: sha256Hex(key) };
}

export const sha256Hex = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

/**
 * The presented API key: `Authorization: Bearer <key>` or `X-Api-Key: <key>`.
 * Undefined when neither is there (or both disagree).
 */
export function presentedKey(headers: Record<string, string | string[] | undefined>): string | undefined {
  const auth = single(headers.authorization);
  const bearer = auth !== undefined ? /^Bearer\s+(\S+)\s*$/i.exec(auth)?.[1] : undefined;
  const header = single(headers['x-api-key'])?.trim();
  if (auth !== undefined && bearer === undefined) return undefined;
  if (bearer !== undefined && header !== undefined && bearer !== header) return undefined;
  return bearer ?? header;
}

const single = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? (v.length === 1 ? v[0] : undefined) : v);

/**
 * Finds the producer an API key belongs to. Keys are high-entropy random
 * strings, so one SHA-256 is enough (no password stretching needed); the
 * hash is compared with every stored hash in constant time, without an early
 * exit, so timing reveals neither which producer matched nor how much did.
 */
export class ProducerAuthenticator {
  constructor(private readonly producers: readonly ProducerConfig[]) {}

  authenticate(key: string | undefined): ProducerConfig | undefined {
    if (key === undefined || key.length < MIN_API_KEY_CHARS || key.length > MAX_API_KEY_CHARS) return undefined;
    const digest = createHash('sha256').update(key, 'utf8').digest();
    let found: ProducerConfig | undefined;
    for (const p of this.producers) {
      if (timingSafeEqual(digest, p.keySha256) && !found) found = p;
    }
    return found;
  }
}
