// Test-only helpers shared by the token-service specs (no spec runs from here).
import { createHash, generateKeyPairSync, KeyObject, sign as nodeSign } from 'node:crypto';
import { CompactSign } from 'jose';
import { parsePolicy, Policy } from '@tokenwarden/policy';
import { KeyRotation } from '../keys/key-rotation';
import { KeyStore } from '../keys/key-store';
import { SealedSigningKey, SigningKey } from '../keys/signing-key';
import { DecryptionKey, ReasonCode, SubjectPseudonymizer, TokenValidator, TokenValidatorDeps, Verdict } from '@tokenwarden/jwt';

export const ISSUER = 'https://id.tokenwarden.test';
export const AUDIENCE = 'https://api.tokenwarden.test';
export const T0 = Date.UTC(2025, 5, 1, 12, 0, 0);
export const KEK = createHash('sha256').update('test key-encryption key').digest();
export const SUBJECT_KEY = createHash('sha256').update('test subject-ref key').digest();

/** All four algorithms allowed, so downgrade cases test the key binding, not only the list. */
export const testPolicy = (patch: Record<string, unknown> = {}): Policy =>
  parsePolicy({ policyVersion: 'test', algorithms: { allowed: ['ES256', 'RS256', 'PS256', 'EdDSA'], signing: 'ES256' }, ...patch });

export const b64 = (v: unknown): string => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
/** A compact token with full control over every byte. */
export const raw = (header: unknown, payload: unknown, signature = 'c2ln'): string => `${b64(header)}.${b64(payload)}.${signature}`;

export const nowSeconds = (ms: number): number => Math.floor(ms / 1000);

export function goodClaims(nowMs: number, patch: Record<string, unknown> = {}): Record<string, unknown> {
  const iat = nowSeconds(nowMs);
  return {
    iss: ISSUER, sub: 'user-42', aud: AUDIENCE, client_id: 'web-app', iat, exp: iat + 600, jti: `jti-${iat}-${Math.random()}`,
    scope: 'read', ...patch,
  };
}

/** Signs arbitrary header and payload (objects or raw JSON text) with a key of our choosing. */
export async function sign(header: Record<string, unknown>, payload: unknown, key: KeyObject): Promise<string> {
  const bytes = Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload));
  return new CompactSign(bytes).setProtectedHeader(header as never).sign(key);
}

/**
 * ES256 over exact header and payload text, bypassing jose's own header checks
 * (jose refuses to sign unknown `crit`, which is precisely what some cases need).
 */
export function signRawEs256(headerText: string, payloadText: string, key: KeyObject): string {
  const input = `${b64(headerText)}.${b64(payloadText)}`;
  const sig = nodeSign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${sig.toString('base64url')}`;
}

/** A software signing key with its private KeyObject, for forging tokens; an HSM key has none to hand out. */
export function sealedKey(k: SigningKey | undefined): SealedSigningKey {
  if (!(k instanceof SealedSigningKey)) throw new Error(k ? `key ${k.kid} is not a software key` : 'no active key');
  return k;
}

export interface Kit {
  readonly policy: Policy;
  readonly store: KeyStore;
  readonly rotation: KeyRotation;
  readonly validator: TokenValidator;
  readonly deps: TokenValidatorDeps;
  readonly clock: { ms: number };
  readonly revoked: Set<string>;
  readonly erased: Map<string, number>;
  readonly pseudonyms: SubjectPseudonymizer;
  readonly audienceKey: { readonly publicKey: KeyObject; readonly decryption: DecryptionKey };
  /** Signs with the active key, header defaults to a valid access-token header. */
  signActive(payload: unknown, header?: Record<string, unknown>): Promise<string>;
  /** Signs exact header/payload text with the active (ES256) key. */
  signActiveRaw(headerText: string, payloadText: string): string;
  activeKid(): string;
  /** Validates and fails unless the reason is exactly `reason` within 1000 ms (a hang or PBES2-style work takes far longer); never throws for the token itself. */
  check(token: unknown, reason: ReasonCode): Promise<Verdict>;
}

/** A validator over a real key store with one active ES256 key, a frozen clock and in-memory lookups. */
export async function setup(policy: Policy = testPolicy()): Promise<Kit> {
  const clock = { ms: T0 };
  const now = () => clock.ms;
  const store = new KeyStore(KEK);
  const rotation = new KeyRotation({ store, policy, kek: KEK, now });
  await rotation.tick();
  const revoked = new Set<string>();
  const erased = new Map<string, number>();
  const pseudonyms = new SubjectPseudonymizer(SUBJECT_KEY);
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const decryption: DecryptionKey = { kid: 'aud-enc-1', alg: 'ECDH-ES+A256KW', key: ec.privateKey };
  const deps: TokenValidatorDeps = {
    policy, issuer: ISSUER, audience: AUDIENCE, keys: store, decryptionKeys: [decryption], pseudonyms, now,
    isRevoked: (iss, jti) => revoked.has(`${iss} ${jti}`),
    isErased: (ref, iat) => (erased.get(ref) ?? -Infinity) >= iat,
  };
  const validator = new TokenValidator(deps);
  const kit: Kit = {
    policy, store, rotation, validator, deps, clock, revoked, erased, pseudonyms,
    audienceKey: { publicKey: ec.publicKey, decryption },
    signActive(payload, header) {
      const k = sealedKey(store.signingKey());
      return sign(header ?? { alg: k.alg, kid: k.kid, typ: 'at+jwt' }, payload, k.key);
    },
    signActiveRaw(headerText, payloadText) {
      return signRawEs256(headerText, payloadText, sealedKey(store.signingKey()).key);
    },
    activeKid: () => store.signingKey()?.kid ?? '',
    // Throws instead of calling expect(), so this file compiles without jest types.
    async check(token, reason) {
      const started = performance.now();
      const v = await validator.validate(token);
      const ms = performance.now() - started;
      if (v.reason !== reason || v.valid !== (reason === ReasonCode.OK)) throw new Error(`expected ${reason}, got ${v.reason} (valid=${v.valid})`);
      if (ms >= 1000) throw new Error(`validation took ${ms.toFixed(1)} ms (bound: 1000 ms)`);
      return v;
    },
  };
  return kit;
}
