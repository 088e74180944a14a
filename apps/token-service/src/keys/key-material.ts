import { createCipheriv, createDecipheriv, createPrivateKey, createPublicKey, KeyObject, randomBytes } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, JWK } from 'jose';
import type { SigningAlg } from '@tokenwarden/policy';
import { KeyError } from './key-error';

export const KEK_BYTES = 32;
/** NIST SP 800-57: RSA below 2048 bits is no longer acceptable for signatures. */
export const MIN_RSA_BITS = 2048;

interface PublicKeyFacts {
  readonly kid: string;
  readonly alg: SigningAlg;
  readonly publicJwk: JWK;
}

/** A software key: the private half exists only encrypted. */
export interface SealedKeyMaterial extends PublicKeyFacts {
  /** `v1.<iv>.<ciphertext>.<tag>`, AES-256-GCM under the KEK, bound to kid and alg. */
  readonly encryptedPrivateKey: string;
  readonly pkcs11?: undefined;
}

/** Where an HSM key's private half lives: a non-extractable object of a PKCS#11 token. */
export interface Pkcs11KeyRef {
  readonly tokenLabel: string;
  /** CKA_LABEL of the private and the public key object. */
  readonly label: string;
  /** CKA_ID (hex) of both objects; what the service looks the key up by. */
  readonly id: string;
}

/** An HSM key: only public facts and the reference leave the token. */
export interface Pkcs11KeyMaterial extends PublicKeyFacts {
  readonly pkcs11: Pkcs11KeyRef;
  readonly encryptedPrivateKey?: undefined;
}

/** A freshly generated signing key, in either custody. */
export type KeyMaterial = SealedKeyMaterial | Pkcs11KeyMaterial;

const aad = (kid: string, alg: string): Buffer => Buffer.from(`tokenwarden-signing-key:${kid}:${alg}`);

function checkKek(kek: Uint8Array): void {
  if (kek.length !== KEK_BYTES) throw new KeyError('ERR_KEY_KEK_INVALID', `the key-encryption key must be ${KEK_BYTES} bytes`);
}

/** Generates a key pair with jose; the kid is the RFC 7638 thumbprint, so it names the key, not a path or row. */
export async function generateSigningKey(alg: SigningAlg, kek: Uint8Array): Promise<SealedKeyMaterial> {
  checkKek(kek);
  const opts = alg === 'EdDSA' ? { crv: 'Ed25519', extractable: true }
    : alg === 'ES256' ? { extractable: true } : { modulusLength: MIN_RSA_BITS, extractable: true };
  const { publicKey, privateKey } = await generateKeyPair(alg, opts);
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk, 'sha256');
  const privateJwk = await exportJWK(privateKey);
  return { kid, alg, publicJwk: { ...publicJwk, kid, alg, use: 'sig' }, encryptedPrivateKey: sealPrivateJwk(privateJwk, kid, alg, kek) };
}

export function sealPrivateJwk(jwk: JWK, kid: string, alg: string, kek: Uint8Array): string {
  checkKek(kek);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', kek, iv);
  cipher.setAAD(aad(kid, alg));
  const ct = Buffer.concat([cipher.update(JSON.stringify(jwk), 'utf8'), cipher.final()]);
  return ['v1', iv, ct, cipher.getAuthTag()].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
}

/**
 * Decrypts a sealed private key into a KeyObject; a wrong KEK, kid or alg fails
 * the GCM tag, and an HSM key (no sealed half) is refused the same way.
 */
export function openPrivateKey(sealed: string | undefined, kid: string, alg: string, kek: Uint8Array): KeyObject {
  checkKek(kek);
  if (sealed === undefined) throw new KeyError('ERR_KEY_SEALED_INVALID', `key ${kid} has no sealed private key (HSM custody)`);
  const [v, iv, ct, tag] = sealed.split('.');
  if (v !== 'v1' || !iv || !ct || !tag) throw new KeyError('ERR_KEY_SEALED_INVALID', `sealed key ${kid} has an unknown format`);
  try {
    const decipher = createDecipheriv('aes-256-gcm', kek, Buffer.from(iv, 'base64url'));
    decipher.setAAD(aad(kid, alg));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    const jwk = JSON.parse(Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8'));
    return createPrivateKey({ key: jwk, format: 'jwk' });
  } catch (cause) {
    // Never include the plaintext or the KEK in the error.
    throw new KeyError('ERR_KEY_SEALED_INVALID', `sealed key ${kid} cannot be opened with this key-encryption key`, { cause });
  }
}

/** Imports a public JWK for verification, refusing weak RSA moduli. */
export function importPublicKey(jwk: JWK): KeyObject {
  const key = createPublicKey({ key: jwk as never, format: 'jwk' });
  const bits = key.asymmetricKeyDetails?.modulusLength;
  if (key.asymmetricKeyType === 'rsa' && (bits ?? 0) < MIN_RSA_BITS) {
    throw new KeyError('ERR_KEY_WEAK', `RSA key ${jwk.kid ?? ''} has ${bits} bits; at least ${MIN_RSA_BITS} are required`);
  }
  return key;
}
