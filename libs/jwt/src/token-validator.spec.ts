import { createHash, generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import { parsePolicy } from '@tokenwarden/policy';
import type { KeyResolver, VerificationKey } from './key-resolver';
import { ReasonCode } from './reason-codes';
import { SubjectPseudonymizer } from './subject-ref';
import { TokenValidator } from './token-validator';

const ISS = 'https://id.example';
const AUD = 'https://api.example';
const T0 = Date.UTC(2025, 5, 1, 12);

/** The validator over a plain KeyResolver (no token-service KeyStore): how libs/guard uses it. */
async function setup(answer: (kid: string) => VerificationKey | Promise<VerificationKey>) {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const errors: unknown[] = [];
  const keys: KeyResolver = { verificationKey: (kid) => (kid === 'k1' ? { status: 'ok', alg: 'ES256', key: publicKey } : answer(kid)) };
  const validator = new TokenValidator({
    policy: parsePolicy({ policyVersion: 'test', algorithms: { allowed: ['ES256'], signing: 'ES256' } }),
    issuer: ISS, audience: AUD, keys, pseudonyms: new SubjectPseudonymizer(Buffer.alloc(32, 7)), now: () => T0,
    isRevoked: () => false, isErased: () => false, onInternalError: (e) => errors.push(e),
  });
  const token = (kid: string) => new SignJWT({ client_id: 'c', scope: 'read' }).setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt' })
    .setIssuer(ISS).setAudience(AUD).setSubject('u').setJti('j').setIssuedAt(T0 / 1000).setExpirationTime(T0 / 1000 + 300).sign(privateKey);
  return { validator, token, errors };
}

describe('TokenValidator over a KeyResolver', () => {
  it('a synchronous or asynchronous resolver verifies', async () => {
    const { validator, token } = await setup(() => ({ status: 'unknown' }));
    expect((await validator.validate(await token('k1'))).reason).toBe(ReasonCode.OK);
  });

  it('an unavailable key set fails closed as INTERNAL_ERROR, without reporting a bug', async () => {
    const { validator, token, errors } = await setup(async () => ({ status: 'unavailable' }));
    expect(await validator.validate(await token('k2'))).toMatchObject({ valid: false, reason: ReasonCode.INTERNAL_ERROR, kid: 'k2' });
    expect(errors).toEqual([]);
  });

  it('a throwing resolver is INTERNAL_ERROR and reported', async () => {
    const { validator, token, errors } = await setup(() => Promise.reject(new Error('boom')));
    expect((await validator.validate(await token('k2'))).reason).toBe(ReasonCode.INTERNAL_ERROR);
    expect(errors).toHaveLength(1);
  });

  it('the fingerprint is the SHA-256 of the token, and survives a spread and JSON like a plain field', async () => {
    const { validator, token } = await setup(() => ({ status: 'unknown' }));
    const t = await token('k1');
    const v = await validator.validate(t);
    const sha = createHash('sha256').update(t).digest('hex');
    expect(v.fingerprint).toBe(sha);
    expect({ ...v, valid: false }.fingerprint).toBe(sha);
    expect(JSON.parse(JSON.stringify(v)).fingerprint).toBe(sha);
    expect(Object.keys(v)).toContain('fingerprint');
  });
});
