import { createHash, KeyObject } from 'node:crypto';
import { base64url, CompactSign, CompactJWSHeaderParameters, compactVerify } from 'jose';
import type { SigningAlg } from '@tokenwarden/policy';
import { KeyError } from './key-error';

/** Header members the caller chooses; the key sets `alg` and `kid` itself. */
export type SigningHeader = Omit<CompactJWSHeaderParameters, 'alg' | 'kid'>;

/** Where a private key lives, in the words of the KeyLifecycle `storage` enum. */
export type KeyStorage = 'SOFTWARE' | 'HSM';

/**
 * The key that signs new tokens, whatever its custody: the issuer has one
 * path, `sign`, which returns a compact JWS with `alg` and `kid` of this key.
 */
export interface SigningKey {
  readonly kid: string;
  readonly alg: SigningAlg;
  readonly storage: KeyStorage;
  sign(header: SigningHeader, payload: Uint8Array): Promise<string>;
}

/** A software key, decrypted from its sealed form while it is the active key; jose signs. */
export class SealedSigningKey implements SigningKey {
  readonly storage = 'SOFTWARE';

  constructor(readonly kid: string, readonly alg: SigningAlg, readonly key: KeyObject) {}

  sign(header: SigningHeader, payload: Uint8Array): Promise<string> {
    return new CompactSign(payload).setProtectedHeader({ alg: this.alg, kid: this.kid, ...header }).sign(this.key);
  }
}

/**
 * A key held in a PKCS#11 token. jose cannot reach the token, so the signing
 * input is assembled with jose's base64url and the token signs its SHA-256
 * digest; then jose verifies the result against the key's public JWK, and a
 * signature that does not verify is never handed out.
 */
export class Pkcs11SigningKey implements SigningKey {
  readonly storage = 'HSM';

  constructor(
    readonly kid: string,
    readonly alg: 'ES256',
    private readonly publicKey: KeyObject,
    /** ECDSA P-256 over a SHA-256 digest, raw r||s: the token's job. */
    private readonly signDigest: (digest: Buffer) => Promise<Buffer>,
  ) {}

  async sign(header: SigningHeader, payload: Uint8Array): Promise<string> {
    const input = `${base64url.encode(JSON.stringify({ alg: this.alg, kid: this.kid, ...header }))}.${base64url.encode(payload)}`;
    const signature = await this.signDigest(createHash('sha256').update(input).digest());
    const jws = `${input}.${base64url.encode(signature)}`;
    try {
      await compactVerify(jws, this.publicKey, { algorithms: [this.alg] });
    } catch (cause) {
      throw new KeyError('ERR_KEY_SELF_CHECK', `the token's signature for key ${this.kid} does not verify against its public key`, { cause });
    }
    return jws;
  }
}
