// ATTACKS.md 10–16: claims and lifetime. Tokens are correctly signed with our
// active key, so only the claim rules can refuse them.
import { guardIo } from '../testing/io-guard';
import { AUDIENCE, goodClaims, ISSUER, Kit, nowSeconds, setup, T0, testPolicy } from '../testing/token-kit';
import { ReasonCode } from '@tokenwarden/jwt';

let kit: Kit;
let io: ReturnType<typeof guardIo>;
beforeAll(async () => (kit = await setup()));
beforeEach(() => {
  kit.clock.ms = T0;
  io = guardIo();
});
afterEach(() => {
  const calls = io.calls();
  io.restore();
  expect(calls).toEqual([]);
});

const now = nowSeconds(T0);
const without = (name: string) => { const c = goodClaims(T0); delete c[name]; return c; };
const hdr = () => JSON.stringify({ alg: 'ES256', typ: 'at+jwt', kid: kit.activeKid() });

describe('10. required claims', () => {
  it.each(['exp', 'iat', 'jti', 'sub', 'client_id', 'aud', 'iss'])('without %s → CLAIM_MISSING', async (name) => {
    await kit.check(await kit.signActive(without(name)), ReasonCode.CLAIM_MISSING);
    await kit.check(await kit.signActive(goodClaims(T0, { [name]: null })), ReasonCode.CLAIM_MISSING);
  });
  it('an empty payload → CLAIM_MISSING', async () => kit.check(await kit.signActive({}), ReasonCode.CLAIM_MISSING));
});

describe('11. expiry edges with 30 s clock tolerance', () => {
  it.each([
    [{ exp: now }, ReasonCode.OK], [{ iat: now - 100, exp: now - 29 }, ReasonCode.OK], [{ iat: now - 100, exp: now - 29.5 }, ReasonCode.OK],
    [{ iat: now - 100, exp: now - 30 }, ReasonCode.EXPIRED], [{ iat: now - 100, exp: now - 31 }, ReasonCode.EXPIRED], [{ iat: now - 900, exp: now - 300 }, ReasonCode.EXPIRED],
    [{ nbf: now + 30 }, ReasonCode.OK], [{ nbf: now + 31 }, ReasonCode.NOT_YET_VALID], [{ nbf: now + 86400 }, ReasonCode.NOT_YET_VALID],
    [{ iat: now + 30, exp: now + 600 }, ReasonCode.OK], [{ iat: now + 31, exp: now + 600 }, ReasonCode.IAT_FUTURE],
    [{ iat: now + 3600, exp: now + 3900 }, ReasonCode.IAT_FUTURE],
  ])('%j → %s', async (patch, reason) => kit.check(await kit.signActive(goodClaims(T0, { iat: now - 10, ...patch })), reason));

  it('with zero tolerance, exp at now is expired and exp one second later is not', async () => {
    const strict = await setup(testPolicy({ clockToleranceSeconds: 0 }));
    await strict.check(await strict.signActive(goodClaims(T0, { exp: now })), ReasonCode.EXPIRED);
    await strict.check(await strict.signActive(goodClaims(T0, { exp: now + 1 })), ReasonCode.OK);
  });

  it('the same token turns EXPIRED when the frozen clock moves past exp + tolerance', async () => {
    const token = await kit.signActive(goodClaims(T0, { exp: now + 60 }));
    kit.clock.ms = T0 + 89_000;
    await kit.check(token, ReasonCode.OK);
    kit.clock.ms = T0 + 90_000;
    await kit.check(token, ReasonCode.EXPIRED);
  });
});

describe('12. claims of the wrong JSON type', () => {
  it.each([
    ['exp', '123'], ['exp', true], ['exp', []], ['exp', {}], ['exp', -5], ['iat', String(now)], ['iat', [now]], ['nbf', 'now'],
    ['jti', 42], ['jti', ''], ['sub', { $ne: '' }], ['sub', ['user-42']], ['client_id', 7], ['iss', { url: ISSUER }],
    ['aud', 12], ['aud', []], ['aud', [AUDIENCE, 1]], ['aud', [{}]], ['scope', ['read']], ['sub', 'x'.repeat(1025)],
  ])('%s = %j → CLAIM_TYPE', async (name, value) => kit.check(await kit.signActive(goodClaims(T0, { [name]: value })), ReasonCode.CLAIM_TYPE));

  it('exp = 1e400 (Infinity after parsing) → CLAIM_TYPE', async () => {
    const payload = JSON.stringify(goodClaims(T0)).replace(/"exp":\d+/, '"exp":1e400');
    await kit.check(kit.signActiveRaw(hdr(), payload), ReasonCode.CLAIM_TYPE);
  });
});

describe('13. absurd lifetimes', () => {
  it.each([
    [{ exp: now + 901 - 10 }, ReasonCode.LIFETIME_EXCEEDED], [{ exp: now + 900 - 10 }, ReasonCode.OK],
    [{ exp: now + 10 * 365 * 86400 }, ReasonCode.LIFETIME_EXCEEDED], [{ exp: 1e300 }, ReasonCode.LIFETIME_EXCEEDED],
    [{ iat: now - 86400, exp: now + 60 }, ReasonCode.LIFETIME_EXCEEDED], [{ iat: 0, exp: now + 60 }, ReasonCode.LIFETIME_EXCEEDED],
  ])('%j → %s', async (patch, reason) => kit.check(await kit.signActive(goodClaims(T0, { iat: now - 10, ...patch })), reason));
});

describe('14. issuer and audience are compared exactly', () => {
  it.each([
    'HTTPS://id.tokenwarden.test', 'https://ID.tokenwarden.test', `${ISSUER}/`, 'http://id.tokenwarden.test', ` ${ISSUER}`,
    `${ISSUER}#`, `${ISSUER}.evil.example`, 'https://id.tokenwarden.test:443', 'https://evil.example',
  ])('iss %j → ISSUER_MISMATCH', async (iss) => kit.check(await kit.signActive(goodClaims(T0, { iss })), ReasonCode.ISSUER_MISMATCH));

  it.each([[`${AUDIENCE}/`], ['https://API.tokenwarden.test'], [['https://other.example']], ['*']])(
    'aud %j → AUDIENCE_MISMATCH', async (aud) => kit.check(await kit.signActive(goodClaims(T0, { aud })), ReasonCode.AUDIENCE_MISMATCH));

  it('aud as an array containing ours is accepted; a per-call audience is enforced', async () => {
    const token = await kit.signActive(goodClaims(T0, { aud: ['https://other.example', AUDIENCE] }));
    await kit.check(token, ReasonCode.OK);
    expect((await kit.validator.validate(token, { audience: 'https://billing.example' })).reason).toBe(ReasonCode.AUDIENCE_MISMATCH);
    expect((await kit.validator.validate(token, { audience: 'https://other.example' })).reason).toBe(ReasonCode.OK);
  });
});

describe('15. tokens of another type', () => {
  it.each([['JWT'], ['jwt'], ['application/jwt'], ['rt+jwt'], ['logout+jwt'], ['secevent+jwt'], ['id_token'], ['at+jwt '],
    ['at+jwt;v=1'], ['at-jwt'], [''], [123], [null], [undefined]])('typ %j → TYPE_MISMATCH', async (typ) =>
    kit.check(await kit.signActive(goodClaims(T0), { alg: 'ES256', kid: kit.activeKid(), typ }), ReasonCode.TYPE_MISMATCH));

  it.each(['at+jwt', 'AT+JWT', 'application/at+jwt', 'Application/AT+JWT'])('typ %j (RFC 9068, case-insensitive media type) → OK', async (typ) =>
    kit.check(await kit.signActive(goodClaims(T0), { alg: 'ES256', kid: kit.activeKid(), typ }), ReasonCode.OK));

  it('a signed ID token and a logout token are not access tokens', async () => {
    const id = { iss: ISSUER, sub: 'user-42', aud: 'web-app', iat: now, exp: now + 300, nonce: 'n-1', auth_time: now };
    await kit.check(await kit.signActive(id, { alg: 'ES256', kid: kit.activeKid(), typ: 'JWT' }), ReasonCode.TYPE_MISMATCH);
    const logout = { ...id, jti: 'l-1', events: { 'http://schemas.openid.net/event/backchannel-logout': {} } };
    await kit.check(await kit.signActive(logout, { alg: 'ES256', kid: kit.activeKid(), typ: 'logout+jwt' }), ReasonCode.TYPE_MISMATCH);
  });
});

describe('16. claims that try to escape the claim model', () => {
  const body = JSON.stringify(goodClaims(T0)).slice(1, -1);
  it.each([
    ['__proto__ member', `{"__proto__":{"admin":true},${body}}`],
    ['constructor member', `{"constructor":{"prototype":{"admin":true}},${body}}`],
    ['nested __proto__', `{"cnf":{"__proto__":{"x":1}},${body}}`],
    ['escaped __proto__', `{"\\u005f_proto__":1,${body}}`],
    ['duplicate sub', `{${body},"sub":"admin"}`],
    ['duplicate written with an escape', `{${body},"s\\u0075b":"admin"}`],
    ['duplicate inside a nested object', `{${body},"act":{"sub":"a","sub":"b"}}`],
  ])('%s → MALFORMED', (_name, payload) => kit.check(kit.signActiveRaw(hdr(), payload), ReasonCode.MALFORMED));

  it('a duplicate member in the header (alg, then alg none) → MALFORMED', () =>
    kit.check(kit.signActiveRaw(`{"alg":"ES256","typ":"at+jwt","kid":"${kit.activeKid()}","alg":"none"}`, JSON.stringify(goodClaims(T0))), ReasonCode.MALFORMED));

  it('deeply nested custom claims neither crash nor slow the validator', async () => {
    const deep = `${'['.repeat(2000)}${']'.repeat(2000)}`;
    await kit.check(kit.signActiveRaw(hdr(), `{${body},"x":${deep}}`), ReasonCode.OK);
  });

  it.each([['password', 'x'], ['Client_Secret', 'x'], ['email', 'a@example.com'], ['Phone_Number', '+100']])(
    'a plain signed token carrying %s → CLAIM_INVALID', async (name, value) =>
      kit.check(await kit.signActive(goodClaims(T0, { [name]: value })), ReasonCode.CLAIM_INVALID));
});
