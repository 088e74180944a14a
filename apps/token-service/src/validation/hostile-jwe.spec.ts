// ATTACKS.md 17–19: size and encryption.
import { createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { CompactEncrypt, exportJWK } from 'jose';
import { guardIo } from '../testing/io-guard';
import { b64, goodClaims, ISSUER, AUDIENCE, Kit, raw, setup, sign, T0 } from '../testing/token-kit';
import { ReasonCode, TokenValidator } from '@tokenwarden/jwt';

let kit: Kit;
let io: ReturnType<typeof guardIo>;
beforeAll(async () => (kit = await setup()));
beforeEach(() => (io = guardIo()));
afterEach(() => {
  const calls = io.calls();
  io.restore();
  expect(calls).toEqual([]);
});

const ENC = { alg: 'ECDH-ES+A256KW', enc: 'A256GCM', cty: 'JWT', kid: 'aud-enc-1' };
const encrypt = (plaintext: string, header: Record<string, unknown> = ENC) =>
  new CompactEncrypt(Buffer.from(plaintext)).setProtectedHeader(header as never).encrypt(kit.audienceKey.publicKey);
/** A JWE whose protected header we rewrite after encryption (the tag no longer matches, which must not matter). */
const withHeader = (jwe: string, patch: Record<string, unknown>) => {
  const [h, ...rest] = jwe.split('.');
  return [b64({ ...JSON.parse(Buffer.from(h, 'base64url').toString()), ...patch }), ...rest].join('.');
};
const fakeJwe = (header: Record<string, unknown>) => [b64(header), 'AAAA', 'AAAAAAAAAAAAAAAA', 'AAAA', 'AAAAAAAAAAAAAAAAAAAAAA'].join('.');

describe('17. oversized tokens are refused before parsing', () => {
  it.each([
    ['1 MB of letters', 'a'.repeat(1 << 20)],
    ['10 MB three-segment token', `eyJ${'a'.repeat(5 << 20)}.${'b'.repeat(5 << 20)}.c`],
    ['8193 bytes', 'a'.repeat(8193)],
    ['a 9 KB header', raw({ alg: 'ES256', pad: 'x'.repeat(9000) }, {})],
    ['3000 three-byte characters (9000 bytes)', '\u20ac'.repeat(3000)],
  ])('%s → TOO_LARGE in under 50 ms, no fingerprint', async (_name, token) => {
    const started = performance.now();
    const v = await kit.validator.validate(token);
    expect(performance.now() - started).toBeLessThan(50); // parsing 10 MB would take far longer; slack for a busy CI core
    expect(v).toEqual({ valid: false, reason: ReasonCode.TOO_LARGE, nested: false });
  });
  it('8192 bytes exactly is not refused for its size', async () => {
    expect((await kit.validator.validate('a'.repeat(8192))).reason).toBe(ReasonCode.MALFORMED);
  });
});

describe('18. decompression bombs, PBES2, ECDH-ES points off the curve', () => {
  it.each([
    ['zip DEF', { ...ENC, zip: 'DEF' }], ['zip GZIP', { ...ENC, zip: 'GZIP' }],
    ['PBES2 with 2^31 iterations', { ...ENC, alg: 'PBES2-HS512+A256KW', p2c: 2 ** 31, p2s: 'AAAAAAAAAAAAAAAAAAAAAA' }],
    ['PBES2-HS256', { ...ENC, alg: 'PBES2-HS256+A128KW', p2c: 1e9, p2s: 'AAAA' }],
    ['p2c smuggled next to an allowed alg', { ...ENC, p2c: 1e9 }],
    ['RSA1_5', { ...ENC, alg: 'RSA1_5' }], ['dir', { ...ENC, alg: 'dir' }], ['A256KW', { ...ENC, alg: 'A256KW' }],
    ['ECDH-ES (not in policy)', { ...ENC, alg: 'ECDH-ES' }], ['alg none', { ...ENC, alg: 'none' }],
    ['enc not in policy', { ...ENC, enc: 'A128CBC-HS256' }], ['enc missing', { ...ENC, enc: undefined }],
    ['cty missing', { ...ENC, cty: undefined }], ['cty json', { ...ENC, cty: 'json' }], ['unknown kid', { ...ENC, kid: '../keys/enc' }],
  ])('%s → JWE_REFUSED, fast', async (_name, header) => {
    const started = performance.now();
    await kit.check(fakeJwe(header), ReasonCode.JWE_REFUSED);
    expect(performance.now() - started).toBeLessThan(200);
  });

  it.each([['jwk', { jwk: { kty: 'EC' } }], ['jku', { jku: 'https://attacker.example/k' }], ['x5u', { x5u: 'https://attacker.example/c' }]])(
    'a JWE header naming a key by %s → EMBEDDED_KEY', (_n, patch) => kit.check(fakeJwe({ ...ENC, ...patch }), ReasonCode.EMBEDDED_KEY));
  it('a JWE with crit → CRIT_UNSUPPORTED', () => kit.check(fakeJwe({ ...ENC, crit: ['exp'] }), ReasonCode.CRIT_UNSUPPORTED));

  it.each([
    ['random coordinates', () => ({ kty: 'EC', crv: 'P-256', x: randomBytes(32).toString('base64url'), y: randomBytes(32).toString('base64url') })],
    ['(0, 0)', () => ({ kty: 'EC', crv: 'P-256', x: b64(Buffer.alloc(32).toString('latin1')), y: b64(Buffer.alloc(32).toString('latin1')) })],
    ['a valid P-384 point', async () => exportJWK(generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey)],
    ['an X25519 low-order point', () => ({ kty: 'OKP', crv: 'X25519', x: b64(Buffer.alloc(32).toString('latin1')) })],
    ['a truncated x', () => ({ kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'AAAA' })],
  ])('epk %s → JWE_REFUSED', async (_name, epk) => {
    const real = await encrypt(await kit.signActive(goodClaims(T0)));
    const point = await epk();
    await kit.check(withHeader(real, { epk: point }), ReasonCode.JWE_REFUSED);
    // Node (OpenSSL) itself refuses to import a P-256 point that is not on the curve.
    let imported = true;
    try {
      createPublicKey({ key: point as never, format: 'jwk' });
    } catch {
      imported = false;
    }
    expect(imported).toBe(point.crv !== 'P-256');
  });

  it('tampered ciphertext or tag → JWE_REFUSED', async () => {
    const parts = (await encrypt(await kit.signActive(goodClaims(T0)))).split('.');
    const flip = (s: string) => { const b = Buffer.from(s, 'base64url'); b[0] ^= 1; return b.toString('base64url'); };
    await kit.check([...parts.slice(0, 3), flip(parts[3]), parts[4]].join('.'), ReasonCode.JWE_REFUSED);
    await kit.check([...parts.slice(0, 4), flip(parts[4])].join('.'), ReasonCode.JWE_REFUSED);
  });
});

describe('19. only sign-then-encrypt with a verified inner signature counts', () => {
  const attacker = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  it('baseline: a nested token signed by us, carrying a sensitive claim → OK, nested', async () => {
    const v = await kit.check(await encrypt(await kit.signActive(goodClaims(T0, { email: 'a@example.com' }))), ReasonCode.OK);
    expect(v).toMatchObject({ nested: true, iss: ISSUER, aud: [AUDIENCE], sub: 'user-42' });
  });
  it.each([
    ['plain JSON claims', async () => JSON.stringify(goodClaims(T0))],
    ['an unsigned JWT (alg none)', async () => raw({ alg: 'none', typ: 'at+jwt' }, goodClaims(T0), '')],
    ['a JWT signed by an attacker under our kid', async () => sign({ alg: 'ES256', typ: 'at+jwt', kid: kit.activeKid() }, goodClaims(T0), attacker.privateKey)],
    ['a JWT carrying the attacker key', async () =>
      sign({ alg: 'ES256', typ: 'at+jwt', jwk: await exportJWK(attacker.publicKey) }, goodClaims(T0), attacker.privateKey)],
    ['a JWT signed with HS256', async () => raw({ alg: 'HS256', typ: 'at+jwt', kid: kit.activeKid() }, goodClaims(T0))],
    ['another JWE', async () => encrypt(await kit.signActive(goodClaims(T0)))],
    ['text that is not a token', async () => 'hello'],
    ['invalid UTF-8', async () => Buffer.from([0xff, 0xfe]).toString('latin1')],
  ])('encrypted to our key: %s → JWE_REFUSED', async (_name, inner) => kit.check(await encrypt(await inner()), ReasonCode.JWE_REFUSED));

  it('an inner token we signed keeps its own claim reason (EXPIRED), the signature having verified', async () => {
    const expired = await kit.signActive(goodClaims(T0, { iat: Math.floor(T0 / 1000) - 1000, exp: Math.floor(T0 / 1000) - 500 }));
    await kit.check(await encrypt(expired), ReasonCode.EXPIRED);
  });

  it('a validator holding no decryption key refuses every JWE', async () => {
    const blind = new TokenValidator({ ...kit.deps, decryptionKeys: [] });
    const v = await blind.validate(await encrypt(await kit.signActive(goodClaims(T0))));
    expect(v.reason).toBe(ReasonCode.JWE_REFUSED);
  });
});
