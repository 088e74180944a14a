import type { KeyObject } from 'node:crypto';
import { compactDecrypt } from 'jose';
import type { Policy } from '@tokenwarden/policy';
import { ReasonCode } from './reason-codes';
import { hasEmbeddedKey } from './header-rules';
import { JsonObject } from './json-guard';

/** A private key we decrypt nested tokens with: the audience's key, held by whoever validates for it. */
export interface DecryptionKey {
  readonly kid: string;
  /** JWE key management algorithm this key is for, e.g. ECDH-ES+A256KW. */
  readonly alg: string;
  readonly key: KeyObject;
}

export type Unwrapped = { readonly ok: true; readonly inner: string } | { readonly ok: false; readonly reason: ReasonCode };

const utf8 = new TextDecoder('utf-8', { fatal: true });
const refuse = (reason: ReasonCode = ReasonCode.JWE_REFUSED): Unwrapped => ({ ok: false, reason });

/**
 * Decrypts the outer layer of a nested JWT (RFC 7519 §5.2, RFC 8725 §2.3).
 * Everything jose would otherwise negotiate is pinned first: key management and
 * content algorithms from the policy (no PBES2, so no attacker-chosen iteration
 * count), no `zip` (decompression bombs), `cty: JWT`, and a kid naming one of our keys.
 * Decryption proves nothing about who wrote the claims; the caller must verify the inner JWS.
 */
export async function unwrapNested(
  token: string, header: JsonObject, keys: readonly DecryptionKey[], policy: Policy,
): Promise<Unwrapped> {
  if (hasEmbeddedKey(header)) return refuse(ReasonCode.EMBEDDED_KEY);
  if (Object.hasOwn(header, 'crit')) return refuse(ReasonCode.CRIT_UNSUPPORTED);
  if (Object.hasOwn(header, 'zip') || Object.hasOwn(header, 'p2c') || Object.hasOwn(header, 'p2s')) return refuse();
  const { alg, enc, cty, kid } = header;
  if (typeof alg !== 'string' || !(policy.encryption.keyManagement as readonly string[]).includes(alg)) return refuse();
  if (typeof enc !== 'string' || !(policy.encryption.contentEncryption as readonly string[]).includes(enc)) return refuse();
  if (typeof cty !== 'string' || cty.toUpperCase() !== 'JWT') return refuse();
  const key = keys.find((k) => k.kid === kid && k.alg === alg);
  if (!key) return refuse();
  try {
    const { plaintext } = await compactDecrypt(token, key.key, {
      keyManagementAlgorithms: [alg],
      contentEncryptionAlgorithms: [enc],
    });
    return { ok: true, inner: utf8.decode(plaintext) };
  } catch {
    return refuse(); // wrong key, bad tag, off-curve epk, invalid UTF-8: all the same to the caller
  }
}
