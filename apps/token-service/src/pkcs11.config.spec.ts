import { inspect } from 'node:util';
import { ConfigError } from '@tokenwarden/config';
import { SOFTHSM_MODULE } from './testing/soft-hsm';
import { loadTokenServiceConfig } from './token-service.config';

const PIN = 'pin-5f1e9a77c2';
const env = {
  TW_ISSUER: 'https://id.tokenwarden.test/',
  TW_KEY_ENCRYPTION_KEY: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
  TW_SUBJECT_REF_KEY: 'Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWprbG1ub3A',
};
const hsm = { TW_KEY_PKCS11_MODULE: SOFTHSM_MODULE, TW_KEY_PKCS11_TOKEN_LABEL: 'tw-keys', TW_KEY_PKCS11_PIN: PIN };
const files: Record<string, string> = { '/run/secrets/pin': `${PIN}\n`, '/run/secrets/two-lines': `${PIN}\nmore\n` };
const readFile = (path: string): string => {
  if (files[path] === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
  return files[path];
};
const problemsOf = (source: Record<string, string | undefined>): readonly string[] => {
  try {
    loadTokenServiceConfig(source, readFile);
  } catch (e) {
    return (e as ConfigError).problems;
  }
  return [];
};

describe('TW_KEY_PKCS11_* (HSM custody)', () => {
  it('off by default', () => {
    expect(loadTokenServiceConfig(env).pkcs11).toBeUndefined();
  });

  it('parses into one object; the PIN never prints', () => {
    const c = loadTokenServiceConfig({ ...env, ...hsm });
    expect(c.pkcs11).toMatchObject({ modulePath: SOFTHSM_MODULE, tokenLabel: 'tw-keys' });
    expect(c.pkcs11?.pin.reveal()).toBe(PIN);
    for (const shown of [JSON.stringify(c), inspect(c, { depth: 9, showHidden: true }), `${c.pkcs11?.pin}`, String(c.TW_KEY_PKCS11_PIN)]) {
      expect(shown).not.toContain(PIN);
    }
    expect(Object.isFrozen(c) && Object.isFrozen(c.pkcs11)).toBe(true);
  });

  it('reads the PIN from a file (one line)', () => {
    const c = loadTokenServiceConfig({ ...env, ...hsm, TW_KEY_PKCS11_PIN: undefined, TW_KEY_PKCS11_PIN_FILE: '/run/secrets/pin' }, readFile);
    expect(c.pkcs11?.pin.reveal()).toBe(PIN);
  });

  it.each([
    [{ TW_KEY_PKCS11_MODULE: 'libsofthsm2.so' }, ['TW_KEY_PKCS11_MODULE must be the absolute path of a PKCS#11 module file, got "libsofthsm2.so"']],
    [{ TW_KEY_PKCS11_MODULE: '/nonexistent/pkcs11.so' }, ['TW_KEY_PKCS11_MODULE must be the absolute path of a PKCS#11 module file, got "/nonexistent/pkcs11.so"']],
    [{ TW_KEY_PKCS11_TOKEN_LABEL: undefined }, ['TW_KEY_PKCS11_TOKEN_LABEL is required with TW_KEY_PKCS11_MODULE']],
    [{ TW_KEY_PKCS11_TOKEN_LABEL: 'x'.repeat(33) }, ['TW_KEY_PKCS11_TOKEN_LABEL must be at most 32 bytes']],
    [{ TW_KEY_PKCS11_PIN: undefined }, ['TW_KEY_PKCS11_PIN or TW_KEY_PKCS11_PIN_FILE is required with TW_KEY_PKCS11_MODULE']],
    [{ TW_KEY_PKCS11_PIN_FILE: '/run/secrets/pin' }, ['set only one of TW_KEY_PKCS11_PIN and TW_KEY_PKCS11_PIN_FILE']],
    [{ TW_KEY_PKCS11_PIN: undefined, TW_KEY_PKCS11_PIN_FILE: '/run/secrets/missing' }, ['TW_KEY_PKCS11_PIN_FILE: cannot read /run/secrets/missing (ENOENT)']],
    [{ TW_KEY_PKCS11_PIN: undefined, TW_KEY_PKCS11_PIN_FILE: '/run/secrets/two-lines' }, ['TW_KEY_PKCS11_PIN_FILE: /run/secrets/two-lines must hold the PIN on one line']],
    [{ TW_KEY_PKCS11_MODULE: undefined }, ['TW_KEY_PKCS11_TOKEN_LABEL is set but TW_KEY_PKCS11_MODULE is not', 'TW_KEY_PKCS11_PIN is set but TW_KEY_PKCS11_MODULE is not']],
  ])('%j → names the variable, never the PIN', (patch, expected) => {
    const problems = problemsOf({ ...env, ...hsm, ...patch });
    expect(problems).toEqual(expected);
    expect(problems.join()).not.toContain(PIN);
  });

  it('HSM problems are reported together with the other bad variables', () => {
    expect(problemsOf({ ...env, ...hsm, TW_SUBJECT_REF_KEY: undefined, TW_KEY_PKCS11_TOKEN_LABEL: '' })).toEqual([
      'TW_SUBJECT_REF_KEY is required', 'TW_KEY_PKCS11_TOKEN_LABEL is required with TW_KEY_PKCS11_MODULE',
    ]);
  });
});
