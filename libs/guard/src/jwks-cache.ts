import { createPublicKey, KeyObject } from 'node:crypto';
import type { KeyResolver, VerificationKey } from '@tokenwarden/jwt';

export interface JwksCacheOptions {
  /** Fetches the configured JWKS document (parsed JSON). Never a URL taken from a token. */
  readonly fetchJwks: () => Promise<unknown>;
  /** Algorithms keys may carry; a JWK with another `alg` (or none) is ignored. */
  readonly allowedAlgs: readonly string[];
  /** Refresh a healthy cache this often (the issuer publishes keys one cache lifetime ahead). */
  readonly refreshIntervalMs: number;
  /** At most one fetch per cooldown, whatever triggers it (unknown kid, refresh, outage). */
  readonly cooldownMs: number;
  /** Cached keys are served while fetches fail, until they are this old; then every lookup fails closed. */
  readonly maxAgeMs: number;
  readonly now: () => number;
  /** Told about every failed fetch (log/count it). */
  readonly onFetchError?: (err: unknown) => void;
}

interface CachedKey { readonly alg: string; readonly key: KeyObject }

/** Members a public JWK may carry for our algorithms; anything private (`d`, `p`, ...) disqualifies the key. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'];

/**
 * Verification keys from the token service's JWKS, following the rotation
 * rules: refetch on an unknown kid at most once per cooldown, keep serving the
 * last good set while the endpoint is down until `maxAgeMs`, then fail closed
 * (`unavailable`). Concurrent lookups share one fetch.
 */
export class JwksCache implements KeyResolver {
  private keys = new Map<string, CachedKey>();
  /** Time of the last successful fetch; undefined before the first. */
  private fetchedAtMs: number | undefined;
  private lastAttemptMs = -Infinity;
  private inFlight: Promise<void> | undefined;
  private fetches = 0;

  constructor(private readonly o: JwksCacheOptions) {}

  async verificationKey(kid: string): Promise<VerificationKey> {
    const now = this.o.now();
    const stale = this.fetchedAtMs === undefined || now - this.fetchedAtMs >= this.o.refreshIntervalMs;
    if (stale || !this.keys.has(kid)) await this.refresh();
    if (this.fetchedAtMs === undefined || this.o.now() - this.fetchedAtMs > this.o.maxAgeMs) return { status: 'unavailable' };
    const k = this.keys.get(kid);
    return k ? { status: 'ok', alg: k.alg, key: k.key } : { status: 'unknown' };
  }

  /** Fetches now unless the cooldown forbids it; failures keep the old set. */
  async refresh(): Promise<void> {
    if (this.inFlight) return this.inFlight;
    if (this.o.now() - this.lastAttemptMs < this.o.cooldownMs) return;
    this.lastAttemptMs = this.o.now();
    this.inFlight = this.fetchOnce().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  /** Successful and failed fetches started so far (tests, metrics). */
  get fetchCount(): number {
    return this.fetches;
  }

  /** Age of the served key set in ms, or undefined before the first successful fetch. */
  ageMs(): number | undefined {
    return this.fetchedAtMs === undefined ? undefined : this.o.now() - this.fetchedAtMs;
  }

  private async fetchOnce(): Promise<void> {
    this.fetches += 1;
    try {
      const doc = await this.o.fetchJwks();
      this.keys = parseJwks(doc, this.o.allowedAlgs);
      this.fetchedAtMs = this.o.now();
    } catch (err) {
      this.o.onFetchError?.(err);
    }
  }
}

/** RFC 7517 set → kid → key. Throws on a document that is not a key set (the old set is then kept). */
export function parseJwks(doc: unknown, allowedAlgs: readonly string[]): Map<string, CachedKey> {
  const keys = (doc as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) throw new TypeError('JWKS document has no keys array');
  const out = new Map<string, CachedKey>();
  for (const jwk of keys as Record<string, unknown>[]) {
    if (typeof jwk !== 'object' || jwk === null) continue;
    const { kid, alg, use } = jwk;
    if (typeof kid !== 'string' || typeof alg !== 'string' || !allowedAlgs.includes(alg)) continue;
    if ((use !== undefined && use !== 'sig') || PRIVATE_MEMBERS.some((m) => Object.hasOwn(jwk, m))) continue;
    try {
      out.set(kid, { alg, key: createPublicKey({ key: jwk as never, format: 'jwk' }) });
    } catch {
      // An unusable key is skipped; tokens naming it get KEY_UNKNOWN.
    }
  }
  return out;
}

/** Fetches `url` as JSON with a timeout; only this URL is ever fetched. */
export function httpJwksFetcher(url: string, timeoutMs: number): () => Promise<unknown> {
  return async () => {
    const r = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'error', headers: { accept: 'application/json' } });
    if (!r.ok) throw new Error(`JWKS fetch answered ${r.status}`);
    return r.json();
  };
}
