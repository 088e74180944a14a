import { generateKeyPairSync, KeyObject } from 'node:crypto';
import { CompactSign } from 'jose';
import { verifyCompactSignature } from './signature';

const sign = (alg: string, key: KeyObject) =>
  new CompactSign(new TextEncoder().encode('{"sub":"u"}')).setProtectedHeader({ alg, typ: 'at+jwt' }).sign(key);
const check = (token: string, alg: string, key: KeyObject) => verifyCompactSignature(token, alg, key);
const flip = (token: string) => `${token.slice(0, -2)}${token.endsWith('AA') ? 'BA' : 'AA'}`;

describe('verifyCompactSignature (jose, algorithm pinned)', () => {
  const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ed = generateKeyPairSync('ed25519');

  it.each([
    ['ES256', p256], ['ES384', p384], ['RS256', rsa], ['PS256', rsa], ['EdDSA', ed],
  ] as const)('%s: a good signature verifies, a changed one, payload or header does not', async (alg, pair) => {
    const token = await sign(alg, pair.privateKey);
    expect(await check(token, alg, pair.publicKey)).toBe(true);
    expect(await check(flip(token), alg, pair.publicKey)).toBe(false);
    const [h, , s] = token.split('.');
    const other = `${h}.${Buffer.from('{"sub":"v"}').toString('base64url')}.${s}`;
    expect(await check(other, alg, pair.publicKey)).toBe(false);
    expect(await check(`${h}.${s}`.replace(/^./, 'f'), alg, pair.publicKey)).toBe(false);
  });

  it('refuses a key that does not fit the algorithm (curve, type, size)', async () => {
    const es256 = await sign('ES256', p256.privateKey);
    expect(await check(es256, 'ES256', p384.publicKey)).toBe(false);
    expect(await check(es256, 'ES256', rsa.publicKey)).toBe(false);
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const rs = await sign('RS256', rsa.privateKey);
    expect(await check(rs, 'RS256', rsa.publicKey)).toBe(true);
    // jose refuses to sign with a short key too, so the token is signed by hand here.
    const { sign: rawSign } = await import('node:crypto');
    const input = rs.slice(0, rs.lastIndexOf('.'));
    const weak = `${input}.${rawSign('sha256', Buffer.from(input), small.privateKey).toString('base64url')}`;
    expect(await check(weak, 'RS256', small.publicKey)).toBe(false);
    expect(await check(rs, 'PS256', rsa.publicKey)).toBe(false);
  });

  it('a signature of the wrong length or an empty one is invalid, never a throw', async () => {
    const token = await sign('ES256', p256.privateKey);
    const input = token.slice(0, token.lastIndexOf('.'));
    for (const sig of ['', 'AAAA', 'A'.repeat(200)]) expect(await check(`${input}.${sig}`, 'ES256', p256.publicKey)).toBe(false);
  });

  it('any other algorithm the caller pins verifies the same way (ES256K)', async () => {
    const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
    const token = await sign('ES256K', k1.privateKey);
    expect(await check(token, 'ES256K', k1.publicKey)).toBe(true);
    expect(await check(flip(token), 'ES256K', k1.publicKey)).toBe(false);
  });
});
