// ATTACKS.md 26: weak secrets and short keys are refused at configuration time.
import { generateKeyPairSync } from 'node:crypto';
import { ConfigError } from '@tokenwarden/config';
import { parsePolicy, PolicyError } from '@tokenwarden/policy';
import { importPublicKey } from './keys/key-material';
import { SubjectPseudonymizer, tokenFingerprint } from '@tokenwarden/jwt';
import { loadTokenServiceConfig } from './token-service.config';

const env = {
  TW_ISSUER: 'https://id.tokenwarden.test/',
  TW_KEY_ENCRYPTION_KEY: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
  TW_SUBJECT_REF_KEY: 'Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWprbG1ub3A',
};
const problemsOf = (source: Record<string, string | undefined>): readonly string[] => {
  try {
    loadTokenServiceConfig(source);
  } catch (e) {
    return (e as ConfigError).problems;
  }
  return [];
};

describe('26. weak secrets and short keys', () => {
  it('a good environment parses; keys are decoded from hex or base64url', () => {
    const c = loadTokenServiceConfig(env);
    expect(c.TW_ISSUER).toBe('https://id.tokenwarden.test');
    expect(c.TW_KEY_ENCRYPTION_KEY).toHaveLength(32);
    expect(c.TW_SUBJECT_REF_KEY.length).toBeGreaterThanOrEqual(32);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it.each([
    [{ TW_KEY_ENCRYPTION_KEY: '00112233445566778899aabbccddeeff' }, 'TW_KEY_ENCRYPTION_KEY must be exactly 32 bytes, got 16'],
    [{ TW_KEY_ENCRYPTION_KEY: '0'.repeat(64) }, 'TW_KEY_ENCRYPTION_KEY has too little variety'],
    [{ TW_KEY_ENCRYPTION_KEY: 'not a key!' }, 'TW_KEY_ENCRYPTION_KEY must be hex or base64url'],
    [{ TW_KEY_ENCRYPTION_KEY: undefined }, 'TW_KEY_ENCRYPTION_KEY is required'],
    [{ TW_SUBJECT_REF_KEY: 'c2hvcnQ' }, 'TW_SUBJECT_REF_KEY must be at least 32 bytes, got 5'],
  ])('%j → names the variable, never the value', (patch, message) => {
    const problems = problemsOf({ ...env, ...patch });
    expect(problems).toEqual([message.includes('variety') ? expect.stringContaining(message) : message]);
    for (const v of Object.values(patch)) if (v) expect(problems.join()).not.toContain(v);
  });

  it('HMAC algorithms cannot be configured for access tokens', () => {
    expect(() => parsePolicy({ policyVersion: 'x', algorithms: { allowed: ['HS256'] } })).toThrow(PolicyError);
  });

  it('an RSA key under 2048 bits is refused', () => {
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' });
    let code: string | undefined;
    try {
      importPublicKey(weak as never);
    } catch (e) {
      code = (e as { code: string }).code;
    }
    expect(code).toBe('ERR_KEY_WEAK');
  });

  it('a subject pseudonym key under 32 bytes is refused; refs are stable hex HMACs', () => {
    expect(() => new SubjectPseudonymizer(Buffer.alloc(16, 1))).toThrow(RangeError);
    const p = new SubjectPseudonymizer(Buffer.alloc(32, 7));
    expect(p.subjectRef('user-42')).toMatch(/^[0-9a-f]{64}$/);
    expect(p.subjectRef('user-42')).toBe(p.subjectRef('user-42'));
    expect(p.subjectRef('user-42')).not.toBe(new SubjectPseudonymizer(Buffer.alloc(32, 8)).subjectRef('user-42'));
    expect(tokenFingerprint('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
