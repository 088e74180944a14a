// ATTACKS.md 1–9: signature and algorithm. Every case asserts the exact reason,
// no exception, bounded time (Kit.check) and no network or file access.
import { createHmac, createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { exportJWK } from 'jose';
import { guardIo } from '../testing/io-guard';
import { goodClaims, Kit, raw, sealedKey, setup, sign, signRawEs256, T0, testPolicy } from '../testing/token-kit';
import { ReasonCode } from '@tokenwarden/jwt';

let kit: Kit;
let io: ReturnType<typeof guardIo>;
let good: string;
beforeAll(async () => {
  kit = await setup();
  good = await kit.signActive(goodClaims(T0));
});
beforeEach(() => (io = guardIo()));
afterEach(() => {
  const calls = io.calls();
  io.restore();
  expect(calls).toEqual([]);
});

const header = (patch: Record<string, unknown>) => ({ alg: 'ES256', typ: 'at+jwt', kid: kit.activeKid(), ...patch });
const parts = (t: string) => t.split('.');

describe('1. alg none in every spelling, empty or missing signature', () => {
  it('baseline: the untouched token is valid', () => kit.check(good, ReasonCode.OK));
  it.each(['none', 'None', 'NONE', 'nOnE', ' none', 'none '])('alg %j with empty or bogus signature → ALG_NONE', async (alg) => {
    await kit.check(raw(header({ alg }), goodClaims(T0), ''), ReasonCode.ALG_NONE);
    await kit.check(raw(header({ alg }), goodClaims(T0), parts(good)[2]), ReasonCode.ALG_NONE);
  });
  it('a signature stripped from a valid token → SIGNATURE_INVALID; stripped with its dot → MALFORMED', async () => {
    const [h, p] = parts(good);
    await kit.check(`${h}.${p}.`, ReasonCode.SIGNATURE_INVALID);
    await kit.check(`${h}.${p}`, ReasonCode.MALFORMED);
  });
  it.each([[undefined], [null], [256], [['ES256']]])('alg %j (missing or not a string) → MALFORMED', (alg) =>
    kit.check(raw(header({ alg }), goodClaims(T0)), ReasonCode.MALFORMED));
});

describe('2. alg must match an allowed name exactly', () => {
  it.each(['es256', 'Es256', 'ES256 ', ' ES256', 'ES256\u0000', '\u0415S256', 'ES\uff12\uff15\uff16', 'ES-256', 'ES256\n', 'ES512', 'RS1'])(
    'alg %j → ALG_NOT_ALLOWED', (alg) => kit.check(raw(header({ alg }), goodClaims(T0), parts(good)[2]), ReasonCode.ALG_NOT_ALLOWED),
  );
});

describe('3. key confusion: our public key used as an HMAC secret', () => {
  it.each(['HS256', 'HS384', 'HS512'])('%s signed with the public key (PEM, DER, JWK) → ALG_NOT_ALLOWED', async (alg) => {
    const pub = createPublicKey(sealedKey(kit.store.signingKey()).key);
    const secrets = [pub.export({ type: 'spki', format: 'pem' }), pub.export({ type: 'spki', format: 'der' }), JSON.stringify(await exportJWK(pub))];
    for (const secret of secrets) {
      const input = `${Buffer.from(JSON.stringify(header({ alg }))).toString('base64url')}.${Buffer.from(JSON.stringify(goodClaims(T0))).toString('base64url')}`;
      const mac = createHmac(`sha${alg.slice(2)}`, secret).update(input).digest('base64url');
      await kit.check(`${input}.${mac}`, ReasonCode.ALG_NOT_ALLOWED);
    }
  });
});

describe('4. downgrade inside or across key types', () => {
  // The policy allows these algorithms, so the key binding is what refuses them.
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ed = generateKeyPairSync('ed25519');
  it.each([['RS256', rsa.privateKey], ['PS256', rsa.privateKey], ['EdDSA', ed.privateKey]] as const)(
    '%s (allowed by policy) under our ES256 kid → KEY_ALG_MISMATCH', async (alg, key) => {
      await kit.check(await sign(header({ alg }), goodClaims(T0), key), ReasonCode.KEY_ALG_MISMATCH);
    });
  it('RS256 against an ES256-only policy → ALG_NOT_ALLOWED', async () => {
    const strict = await setup(testPolicy({ algorithms: { allowed: ['ES256'] } }));
    await strict.check(await sign({ alg: 'RS256', typ: 'at+jwt', kid: strict.activeKid() }, goodClaims(T0), rsa.privateKey), ReasonCode.ALG_NOT_ALLOWED);
  });
});

describe('5. keys named by the token itself are never trusted or fetched', () => {
  const attacker = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  it.each([
    ['jwk (attacker key, no kid)', async () => ({ alg: 'ES256', typ: 'at+jwt', jwk: await exportJWK(attacker.publicKey) })],
    ['jwk (attacker key, our kid)', async () => header({ jwk: await exportJWK(attacker.publicKey) })],
    ['jku', async () => header({ jku: 'https://attacker.example/jwks.json' })],
    ['jku to a metadata address', async () => header({ jku: 'http://169.254.169.254/latest/meta-data/' })],
    ['x5u', async () => header({ x5u: 'https://attacker.example/cert.pem' })],
    ['x5c', async () => header({ x5c: [randomBytes(300).toString('base64')] })],
  ])('%s → EMBEDDED_KEY', async (_name, makeHeader) => {
    await kit.check(await sign(await makeHeader(), goodClaims(T0), attacker.privateKey), ReasonCode.EMBEDDED_KEY);
  });
  it('refused even when the embedded key is ours and the signature is good (consistent, visible in the audit trail)', async () => {
    const ours = await exportJWK(createPublicKey(sealedKey(kit.store.signingKey()).key));
    await kit.check(await kit.signActive(goodClaims(T0), header({ jwk: ours })), ReasonCode.EMBEDDED_KEY);
  });
});

describe('6. kid as an attack string, and kid floods', () => {
  const signedWithKid = (kid: unknown) => signRawEs256(JSON.stringify(header({ kid })), JSON.stringify(goodClaims(T0)), sealedKey(kit.store.signingKey()).key);
  it.each([
    '../../../../etc/passwd', '/dev/zero', "' OR 1=1 --", '"; DROP TABLE keys; --', '$(curl attacker.example)', '`id`',
    'http://attacker.example/key', '', ' ', '\u0000\r\n', 'k'.repeat(129), 'k'.repeat(5000), 'k\u202e',
  ])('kid %j → KID_INVALID, sanitized in the verdict', async (kid) => {
    const v = await kit.check(signedWithKid(kid), ReasonCode.KID_INVALID);
    expect((v.kid ?? '').length).toBeLessThanOrEqual(64);
    expect(v.kid ?? '').toMatch(/^[\x20-\x7e]*$/);
  });
  it.each(['__proto__', 'constructor', 'hasOwnProperty', 'toString', 'a'.repeat(43), '..'])('well-formed but not ours: kid %j → KEY_UNKNOWN', (kid) =>
    kit.check(signedWithKid(kid), ReasonCode.KEY_UNKNOWN));
  it.each([[123], [null], [{}], [['x']], [true], [undefined]])('kid %j (missing or not a string) → KID_INVALID', (kid) =>
    kit.check(raw(header({ kid }), goodClaims(T0), parts(good)[2]), ReasonCode.KID_INVALID));
  it('2000 random kids: all KEY_UNKNOWN, no refetch, bounded total time', async () => {
    const started = performance.now();
    for (let i = 0; i < 2000; i++) {
      const v = await kit.validator.validate(raw(header({ kid: randomBytes(12).toString('hex') }), goodClaims(T0), parts(good)[2]));
      expect(v.reason).toBe(ReasonCode.KEY_UNKNOWN);
    }
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('7. malformed compact serializations', () => {
  it.each([
    ['two segments', 'eyJhbGciOiJFUzI1NiJ9.e30'], ['four segments', 'a.b.c.d'], ['six segments', 'a.b.c.d.e.f'], ['one segment', 'abc'],
    ['empty string', ''], ['only dots', '..'], ['empty header', '.e30.c2ln'], ['padding', 'eyJhbGciOiJFUzI1NiJ9==.e30.c2ln'],
    ['plus and slash', 'eyJhbGc+OiJFUzI1NiJ9.e30.c2/n'], ['space', 'eyJhbGciOiJFUzI1NiJ9 .e30.c2ln'], ['percent', 'eyJ%41.e30.c2ln'],
    ['impossible length', 'eyJhb.e30.c2ln'], ['header is an array', `${Buffer.from('[]').toString('base64url')}.e30.c2ln`],
    ['header is a string', `${Buffer.from('"ES256"').toString('base64url')}.e30.c2ln`], ['header is null', `${Buffer.from('null').toString('base64url')}.e30.c2ln`],
    ['header is not JSON', `${Buffer.from('{alg:ES256}').toString('base64url')}.e30.c2ln`],
    ['header is invalid UTF-8', `${Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]).toString('base64url')}.e30.c2ln`],
    ['non-ASCII character', 'eyJhbGciOiJFUzI1NiJ9.e30.c2ln\u00e9'],
  ])('%s → MALFORMED', (_name, token) => kit.check(token, ReasonCode.MALFORMED));
  it.each([['array payload', '[]'], ['number payload', '42'], ['not JSON', 'exp=1'], ['empty payload', '']])(
    'signed %s → MALFORMED', (_name, payload) => kit.check(kit.signActiveRaw(JSON.stringify(header({})), payload), ReasonCode.MALFORMED));
  it.each([[undefined], [null], [42], [{}], [['a', 'b', 'c']], [Buffer.from('a.b.c')]])('non-string input %p → MALFORMED', (input) =>
    kit.check(input, ReasonCode.MALFORMED));
});

describe('8. invalid ECDSA signatures', () => {
  const n = Buffer.from('FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551', 'hex');
  const sigOf = () => Buffer.from(parts(good)[2], 'base64url');
  const withSig = (sig: Buffer) => `${parts(good)[0]}.${parts(good)[1]}.${sig.toString('base64url')}`;
  const der = (p1363: Buffer) => {
    const int = (b: Buffer) => { const t = b[0] & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b; return Buffer.concat([Buffer.from([2, t.length]), t]); };
    const body = Buffer.concat([int(p1363.subarray(0, 32)), int(p1363.subarray(32))]);
    return Buffer.concat([Buffer.from([0x30, body.length]), body]);
  };
  it.each([
    ['r = s = 0', () => Buffer.alloc(64)],
    ['r = n, s = 1', () => Buffer.concat([n, Buffer.alloc(31), Buffer.from([1])])],
    ['r = 2^256 - 1', () => Buffer.concat([Buffer.alloc(32, 0xff), sigOf().subarray(32)])],
    ['s = n', () => Buffer.concat([sigOf().subarray(0, 32), n])],
    ['63 bytes', () => sigOf().subarray(0, 63)],
    ['65 bytes', () => Buffer.concat([sigOf(), Buffer.from([0])])],
    ['DER form of the valid signature', () => der(sigOf())],
    ['one bit flipped', () => { const s = Buffer.from(sigOf()); s[10] ^= 1; return s; }],
    ['r and s swapped', () => Buffer.concat([sigOf().subarray(32), sigOf().subarray(0, 32)])],
  ])('%s → SIGNATURE_INVALID', (_name, make) => kit.check(withSig(make()), ReasonCode.SIGNATURE_INVALID));
});

describe('9. crit and b64', () => {
  it.each([
    [{ crit: ['exp'], exp: 1 }], [{ crit: ['b64'], b64: false }], [{ crit: ['https://unknown.example/ext'] }], [{ crit: [] }],
    [{ crit: 'b64' }], [{ b64: false }], [{ b64: true }],
  ])('%j on a correctly signed token → CRIT_UNSUPPORTED', (patch) =>
    kit.check(kit.signActiveRaw(JSON.stringify(header(patch)), JSON.stringify(goodClaims(T0))), ReasonCode.CRIT_UNSUPPORTED));
});
