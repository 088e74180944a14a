import { randomBytes } from 'node:crypto';
import { base64url, calculateJwkThumbprint, JWK } from 'jose';
import type { SigningAlg } from '@tokenwarden/policy';
import { KeyError } from './key-error';
import { importPublicKey, Pkcs11KeyMaterial } from './key-material';
import { Pkcs11Session, Pkcs11SessionOptions } from './pkcs11-session';
import { Pkcs11SigningKey } from './signing-key';

/**
 * HSM custody (TW_KEY_PKCS11_*): new signing keys are generated inside the
 * token, the key file keeps their public JWK and a reference, and they sign
 * through PKCS#11. ES256 only, for now.
 */
export class Pkcs11Custody {
  private constructor(readonly session: Pkcs11Session) {}

  /** Refuses an algorithm this path cannot sign before the module is touched. */
  static open(o: Pkcs11SessionOptions, alg: SigningAlg): Pkcs11Custody {
    if (alg !== 'ES256') {
      throw new KeyError('ERR_KEY_HSM_ALG', `the policy signs with ${alg}; PKCS#11 custody (TW_KEY_PKCS11_MODULE) supports ES256 only`);
    }
    return new Pkcs11Custody(Pkcs11Session.open(o));
  }

  /** A P-256 key pair made in the token; the kid is the RFC 7638 thumbprint, as for software keys. */
  async generate(): Promise<Pkcs11KeyMaterial> {
    const id = randomBytes(16);
    const label = `tokenwarden-signing-${id.toString('hex')}`;
    const point = this.session.generateP256(label, id);
    const jwk: JWK = { kty: 'EC', crv: 'P-256', x: base64url.encode(point.subarray(1, 33)), y: base64url.encode(point.subarray(33)) };
    const kid = await calculateJwkThumbprint(jwk, 'sha256');
    return {
      kid, alg: 'ES256', publicJwk: { ...jwk, kid, alg: 'ES256', use: 'sig' },
      pkcs11: { tokenLabel: this.session.tokenLabel, label, id: id.toString('hex') },
    };
  }

  /** The signer of an HSM key that becomes active: its private key must be in this token, sensitive and not extractable. */
  signingKey(k: Pkcs11KeyMaterial): Pkcs11SigningKey {
    if (k.pkcs11.tokenLabel !== this.session.tokenLabel) {
      throw new KeyError('ERR_KEY_HSM_OBJECT', `key ${k.kid} lives in token "${k.pkcs11.tokenLabel}", this service uses "${this.session.tokenLabel}"`);
    }
    if (k.alg !== 'ES256') throw new KeyError('ERR_KEY_HSM_ALG', `key ${k.kid} is ${k.alg}; PKCS#11 custody signs ES256 only`);
    const handle = this.session.privateKey(Buffer.from(k.pkcs11.id, 'hex'));
    return new Pkcs11SigningKey(k.kid, k.alg, importPublicKey(k.publicJwk), async (digest) => this.session.signDigest(handle, digest));
  }

  close(): void {
    this.session.close();
  }
}
