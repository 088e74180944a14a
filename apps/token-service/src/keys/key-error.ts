export type KeyErrorCode =
  | 'ERR_KEY_KEK_INVALID'
  | 'ERR_KEY_SEALED_INVALID'
  | 'ERR_KEY_WEAK'
  | 'ERR_KEY_UNKNOWN'
  | 'ERR_KEY_TRANSITION'
  /** The PKCS#11 module, token or login is not usable (boot configuration). */
  | 'ERR_KEY_HSM_UNAVAILABLE'
  /** The policy asks for an algorithm HSM custody does not support. */
  | 'ERR_KEY_HSM_ALG'
  /** A key the key file places in the HSM is missing there, or is extractable. */
  | 'ERR_KEY_HSM_OBJECT'
  /** The HSM refused or failed a signature. */
  | 'ERR_KEY_SIGN_FAILED'
  /** A signature did not verify against the key's own public JWK; the token is not handed out. */
  | 'ERR_KEY_SELF_CHECK';

/** Errors of key management. None is retriable: each is a configuration problem or a bug. */
export class KeyError extends Error {
  readonly retriable = false;

  constructor(readonly code: KeyErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KeyError';
  }
}
