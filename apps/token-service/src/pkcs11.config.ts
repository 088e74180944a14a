import { statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { inspect } from 'node:util';
import { ConfigOf, Field, field } from '@tokenwarden/config';

const REDACTED = '[redacted]';

/** A secret that never prints: JSON, util.inspect and string conversion show a placeholder. */
export class SecretText {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return `SecretText(${REDACTED})`;
  }
}

/** An optional secret string; its value is wrapped at once, so the parsed config can be printed safely. */
const secretText = (): Field<SecretText | undefined> => ({
  parse: (raw) => ({ ok: true, value: raw === undefined || raw === '' ? undefined : new SecretText(raw) }),
});

/** HSM custody of signing keys; all empty: keys are software keys sealed under TW_KEY_ENCRYPTION_KEY. */
export const pkcs11Spec = {
  /** Absolute path of the PKCS#11 module, e.g. /usr/lib/softhsm/libsofthsm2.so. */
  TW_KEY_PKCS11_MODULE: field.string({ default: '' }),
  /** Label of the token (slot) new signing keys are generated in. */
  TW_KEY_PKCS11_TOKEN_LABEL: field.string({ default: '' }),
  /** User PIN; exactly one of this and TW_KEY_PKCS11_PIN_FILE. */
  TW_KEY_PKCS11_PIN: secretText(),
  /** File holding the user PIN (one line), e.g. a mounted secret. */
  TW_KEY_PKCS11_PIN_FILE: field.string({ default: '' }),
};

export interface Pkcs11Config {
  readonly modulePath: string;
  readonly tokenLabel: string;
  readonly pin: SecretText;
}

/** PKCS#11 token labels are 32 bytes, blank-padded. */
const MAX_TOKEN_LABEL_BYTES = 32;

/**
 * The HSM settings as one object, or undefined when HSM custody is off. Every
 * problem names its variable and never a PIN; a setting without
 * TW_KEY_PKCS11_MODULE is a problem too (the operator meant to use an HSM).
 */
export function pkcs11Config(env: ConfigOf<typeof pkcs11Spec>, readFile: (path: string) => string, problems: string[]): Pkcs11Config | undefined {
  const { TW_KEY_PKCS11_MODULE: modulePath, TW_KEY_PKCS11_TOKEN_LABEL: tokenLabel, TW_KEY_PKCS11_PIN: pin, TW_KEY_PKCS11_PIN_FILE: pinFile } = env;
  const before = problems.length;
  if (!modulePath) {
    const stray = Object.entries({ TW_KEY_PKCS11_TOKEN_LABEL: tokenLabel, TW_KEY_PKCS11_PIN: pin, TW_KEY_PKCS11_PIN_FILE: pinFile }).filter(([, v]) => v);
    for (const [name] of stray) problems.push(`${name} is set but TW_KEY_PKCS11_MODULE is not`);
    return undefined;
  }
  if (!isAbsolute(modulePath) || !isFile(modulePath)) problems.push(`TW_KEY_PKCS11_MODULE must be the absolute path of a PKCS#11 module file, got "${modulePath}"`);
  if (!tokenLabel) problems.push('TW_KEY_PKCS11_TOKEN_LABEL is required with TW_KEY_PKCS11_MODULE');
  else if (Buffer.byteLength(tokenLabel) > MAX_TOKEN_LABEL_BYTES) problems.push(`TW_KEY_PKCS11_TOKEN_LABEL must be at most ${MAX_TOKEN_LABEL_BYTES} bytes`);
  const secret = pin ?? (pinFile ? readPin(pinFile, readFile, problems) : undefined);
  if (pin && pinFile) problems.push('set only one of TW_KEY_PKCS11_PIN and TW_KEY_PKCS11_PIN_FILE');
  else if (!pin && !pinFile) problems.push('TW_KEY_PKCS11_PIN or TW_KEY_PKCS11_PIN_FILE is required with TW_KEY_PKCS11_MODULE');
  if (problems.length > before || !secret) return undefined;
  return Object.freeze({ modulePath, tokenLabel, pin: secret });
}

function readPin(path: string, readFile: (path: string) => string, problems: string[]): SecretText | undefined {
  let text: string;
  try {
    text = readFile(path);
  } catch (err) {
    problems.push(`TW_KEY_PKCS11_PIN_FILE: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    return undefined;
  }
  const pin = text.replace(/\r?\n$/, '');
  if (pin === '' || /[\r\n]/.test(pin)) {
    problems.push(`TW_KEY_PKCS11_PIN_FILE: ${path} must hold the PIN on one line`);
    return undefined;
  }
  return new SecretText(pin);
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
