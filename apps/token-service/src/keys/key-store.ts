import { KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import type { KeyPhase as EventKeyPhase } from '@tokenwarden/events';
import type { SigningAlg } from '@tokenwarden/policy';
import { KeyError } from './key-error';
import { importPublicKey, KeyMaterial, openPrivateKey } from './key-material';
import type { Pkcs11Custody } from './pkcs11-custody';
import { KeyStorage, SealedSigningKey, SigningKey } from './signing-key';

/**
 * generated → published (in JWKS, verifies) → active (signs) → retiring (in JWKS,
 * verifies, no longer signs) → retired (gone from JWKS, its tokens are refused).
 * Any live key can be revoked (compromise): gone at once, its tokens refused.
 */
export type KeyPhase = 'generated' | 'published' | 'active' | 'retiring' | 'retired' | 'revoked';

/**
 * KeyLifecycle.phase symbols, plus DEACTIVATED (the old key stops signing but
 * stays published), which KeyLifecycle v1 has no symbol for: the publisher
 * skips it until the contract adds one.
 */
export type KeyLifecyclePhase = Exclude<EventKeyPhase, 'UNKNOWN'> | 'DEACTIVATED';

/** One step of a key's life, for the KeyLifecycle event. Public metadata only. */
export interface KeyLifecycleRecord {
  readonly phase: KeyLifecyclePhase;
  readonly kid: string;
  readonly alg: SigningAlg;
  readonly atMs: number;
  readonly keyCreatedAtMs: number;
  /** RFC 7638 thumbprint; equal to the kid because kids are thumbprints. */
  readonly jwkThumbprint: string;
  readonly cause: 'bootstrap' | 'scheduled' | 'manual' | 'compromise';
  readonly storage: KeyStorage;
}

/** A key's phase and the times it changed. */
export interface KeyTimeline {
  readonly phase: KeyPhase;
  readonly createdAtMs: number;
  readonly publishedAtMs?: number;
  /** When a published key is due to start signing. */
  readonly activateAfterMs?: number;
  readonly activatedAtMs?: number;
  readonly deactivatedAtMs?: number;
  readonly retiredAtMs?: number;
}

/** What the store keeps and exports: the private key only sealed under the KEK, or only referenced in the HSM. */
export type StoredKey = KeyMaterial & KeyTimeline;

export type VerificationKey =
  | { readonly status: 'ok'; readonly alg: SigningAlg; readonly key: KeyObject }
  | { readonly status: 'retired' }
  | { readonly status: 'revoked' }
  | { readonly status: 'unknown' };

const PUBLIC_MEMBERS = ['kty', 'crv', 'x', 'y', 'n', 'e'] as const;

/** Copies only public members, so a private member can never leak into the JWKS by accident. */
function publicPart(k: StoredKey): JWK {
  const out: Record<string, unknown> = {};
  for (const m of PUBLIC_MEMBERS) if (k.publicJwk[m] !== undefined) out[m] = k.publicJwk[m];
  return { ...out, kid: k.kid, alg: k.alg, use: 'sig' } as JWK;
}

const NEXT: Record<KeyPhase, { to: KeyPhase; record: KeyLifecyclePhase; at: keyof KeyTimeline } | undefined> = {
  generated: { to: 'published', record: 'PUBLISHED', at: 'publishedAtMs' },
  published: { to: 'active', record: 'ACTIVATED', at: 'activatedAtMs' },
  active: { to: 'retiring', record: 'DEACTIVATED', at: 'deactivatedAtMs' },
  retiring: { to: 'retired', record: 'RETIRED', at: 'retiredAtMs' },
  retired: undefined,
  revoked: undefined,
};

const record = (k: StoredKey, phase: KeyLifecyclePhase, atMs: number, cause: KeyLifecycleRecord['cause']): KeyLifecycleRecord =>
  ({ phase, kid: k.kid, alg: k.alg, atMs, keyCreatedAtMs: k.createdAtMs, jwkThumbprint: k.kid, cause, storage: k.pkcs11 ? 'HSM' : 'SOFTWARE' });

/**
 * In-memory key set with its phases. Lookups are by exact kid in a Map, so a
 * hostile kid can never reach a file, a query or the network.
 */
export class KeyStore {
  private readonly keys = new Map<string, StoredKey>();
  private readonly publicKeys = new Map<string, KeyObject>();
  private signing: SigningKey | undefined;

  /** `pkcs11`: the token HSM keys sign through; without it an HSM key cannot become the signing key. */
  constructor(private readonly kek: Uint8Array, private readonly pkcs11?: Pick<Pkcs11Custody, 'signingKey'>) {}

  /** Restores exported keys (e.g. read from disk); the active key is decrypted (or found in the HSM) at once. */
  static restore(exported: readonly StoredKey[], kek: Uint8Array, pkcs11?: Pick<Pkcs11Custody, 'signingKey'>): KeyStore {
    const store = new KeyStore(kek, pkcs11);
    for (const k of exported) store.put(k);
    return store;
  }

  add(material: KeyMaterial, atMs: number, cause: KeyLifecycleRecord['cause']): KeyLifecycleRecord {
    if (this.keys.has(material.kid)) throw new KeyError('ERR_KEY_TRANSITION', `key ${material.kid} already exists`);
    const k: StoredKey = { ...material, phase: 'generated', createdAtMs: atMs };
    this.put(k);
    return record(k, 'GENERATED', atMs, cause);
  }

  /** Moves a key one phase on. */
  advance(kid: string, atMs: number, cause: KeyLifecycleRecord['cause'], extra: Partial<KeyTimeline> = {}): KeyLifecycleRecord {
    const k = this.get(kid);
    const step = NEXT[k.phase];
    if (!step) throw new KeyError('ERR_KEY_TRANSITION', `key ${kid} is already ${k.phase}`);
    this.put({ ...k, ...extra, phase: step.to, [step.at]: atMs });
    return record(k, step.record, atMs, cause);
  }

  /**
   * Takes over keys another instance wrote (shared key directory): new keys and
   * changed phases are applied; the signing key follows the active one.
   */
  sync(exported: readonly StoredKey[]): void {
    for (const k of exported) if (this.keys.get(k.kid)?.phase !== k.phase) this.put({ ...k });
  }

  /** Compromise: any live key leaves the JWKS and stops verifying at once. */
  revoke(kid: string, atMs: number): KeyLifecycleRecord {
    const k = this.get(kid);
    if (k.phase === 'retired' || k.phase === 'revoked') throw new KeyError('ERR_KEY_TRANSITION', `key ${kid} is already ${k.phase}`);
    this.put({ ...k, phase: 'revoked', retiredAtMs: atMs });
    return record(k, 'REVOKED', atMs, 'compromise');
  }

  /** The key that signs new tokens, if any. */
  signingKey(): SigningKey | undefined {
    return this.signing;
  }

  verificationKey(kid: string): VerificationKey {
    const k = this.keys.get(kid);
    if (!k || k.phase === 'generated') return { status: 'unknown' };
    if (k.phase === 'retired' || k.phase === 'revoked') return { status: k.phase };
    const key = this.publicKeys.get(kid);
    return key ? { status: 'ok', alg: k.alg, key } : { status: 'unknown' };
  }

  /** RFC 7517 key set: public parts of every key that verifies, the signing key first. */
  jwks(): { keys: JWK[] } {
    const order: Partial<Record<KeyPhase, number>> = { active: 0, published: 1, retiring: 2 };
    const live = [...this.keys.values()].filter((k) => order[k.phase] !== undefined);
    live.sort((a, b) => (order[a.phase] ?? 9) - (order[b.phase] ?? 9) || a.createdAtMs - b.createdAtMs);
    return { keys: live.map((k) => publicPart(k)) };
  }

  list(): readonly StoredKey[] {
    return [...this.keys.values()];
  }

  /** Everything needed to restore the store; private keys stay sealed. */
  export(): StoredKey[] {
    return this.list().map((k) => ({ ...k }));
  }

  private get(kid: string): StoredKey {
    const k = this.keys.get(kid);
    if (!k) throw new KeyError('ERR_KEY_UNKNOWN', `no key ${kid}`);
    return k;
  }

  private put(k: StoredKey): void {
    // The signer first: a key that cannot sign (wrong KEK, missing in the HSM) changes nothing.
    const signer = k.phase === 'active' ? this.signerOf(k) : undefined;
    this.keys.set(k.kid, Object.freeze(k));
    if (!this.publicKeys.has(k.kid)) this.publicKeys.set(k.kid, importPublicKey(k.publicJwk));
    if (k.phase === 'retired' || k.phase === 'revoked') this.publicKeys.delete(k.kid);
    if (signer) this.signing = signer;
    // Drop the decrypted private key (or the HSM handle) as soon as the key stops signing.
    else if (this.signing?.kid === k.kid) this.signing = undefined;
  }

  private signerOf(k: StoredKey): SigningKey {
    if (!k.pkcs11) return new SealedSigningKey(k.kid, k.alg, openPrivateKey(k.encryptedPrivateKey, k.kid, k.alg, this.kek));
    if (!this.pkcs11) throw new KeyError('ERR_KEY_HSM_UNAVAILABLE', `key ${k.kid} is held in PKCS#11 token "${k.pkcs11.tokenLabel}", but TW_KEY_PKCS11_MODULE is not set`);
    return this.pkcs11.signingKey(k);
  }
}
