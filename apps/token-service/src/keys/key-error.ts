export type KeyErrorCode =
  | 'ERR_KEY_KEK_INVALID'
  | 'ERR_KEY_SEALED_INVALID'
  | 'ERR_KEY_WEAK'
  | 'ERR_KEY_UNKNOWN'
  | 'ERR_KEY_TRANSITION';

/** Errors of key management. None is retriable: each is a configuration problem or a bug. */
export class KeyError extends Error {
  readonly retriable = false;

  constructor(readonly code: KeyErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KeyError';
  }
}
