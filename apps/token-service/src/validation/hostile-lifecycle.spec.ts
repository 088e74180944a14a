// ATTACKS.md 20, 21, 25: revocation by (iss, jti), replay after logout or
// erasure, key rotation phases. Plus a differential check against jose's jwtVerify.
import { jwtVerify } from 'jose';
import { openPrivateKey } from '../keys/key-material';
import { guardIo } from '../testing/io-guard';
import { AUDIENCE, goodClaims, ISSUER, KEK, Kit, nowSeconds, setup, sign, T0 } from '../testing/token-kit';
import { ReasonCode, tokenFingerprint, TokenValidator } from '@tokenwarden/jwt';

let kit: Kit;
let io: ReturnType<typeof guardIo>;
beforeEach(async () => {
  kit = await setup();
  io = guardIo();
});
afterEach(() => {
  const calls = io.calls();
  io.restore();
  expect(calls).toEqual([]);
});

const N = BigInt('0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551');
const withSig = (t: string, sig: string) => `${t.split('.').slice(0, 2).join('.')}.${sig}`;

describe('20. revocation is by (iss, jti), never by the token string', () => {
  it('every re-serialization of a revoked token stays REVOKED', async () => {
    const claims = goodClaims(T0, { jti: 'revoked-1' });
    const token = await kit.signActive(claims);
    await kit.check(token, ReasonCode.OK);
    kit.revoked.add(`${ISSUER} revoked-1`);
    const sig = Buffer.from(token.split('.')[2], 'base64url');
    // ECDSA malleability: (r, n - s) verifies too.
    const s = BigInt(`0x${sig.subarray(32).toString('hex')}`);
    const high = Buffer.concat([sig.subarray(0, 32), Buffer.from((N - s).toString(16).padStart(64, '0'), 'hex')]);
    // Non-canonical base64url: the last character's spare bits decode to the same bytes.
    const last = token.split('.')[2];
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const spare = last.slice(0, -1) + alphabet[alphabet.indexOf(last.slice(-1)) ^ 1];
    const variants = [
      token, withSig(token, high.toString('base64url')), withSig(token, spare),
      await kit.signActive(claims), // the same claims signed again: a fresh ECDSA nonce, a new string
      await kit.signActive(Object.fromEntries(Object.entries(claims).reverse())),
    ];
    expect(new Set(variants.map(tokenFingerprint)).size).toBe(variants.length);
    for (const v of variants) {
      const verdict = await kit.check(v, ReasonCode.REVOKED);
      expect(verdict.jti).toBe('revoked-1');
    }
  });

  it('a failing revocation lookup refuses the token (INTERNAL_ERROR), it never waves it through', async () => {
    const reported: unknown[] = [];
    const failing = new TokenValidator({
      ...kit.deps, isRevoked: () => Promise.reject(new Error('store down')), onInternalError: (e) => reported.push(e),
    });
    expect((await failing.validate(await kit.signActive(goodClaims(T0)))).reason).toBe(ReasonCode.INTERNAL_ERROR);
    expect(reported).toEqual([new Error('store down')]);
  });
});

describe('21. replay after logout or erasure of the subject', () => {
  it('tokens of a logged-out session are REVOKED, other sessions stay valid', async () => {
    const s1 = [await kit.signActive(goodClaims(T0, { jti: 's1-a' })), await kit.signActive(goodClaims(T0, { jti: 's1-b' }))];
    const s2 = await kit.signActive(goodClaims(T0, { jti: 's2-a' }));
    ['s1-a', 's1-b'].forEach((j) => kit.revoked.add(`${ISSUER} ${j}`));
    for (const t of s1) await kit.check(t, ReasonCode.REVOKED);
    await kit.check(s2, ReasonCode.OK);
  });

  it('tokens issued up to the erasure are SUBJECT_ERASED; a later one for a new registration is not', async () => {
    const before = await kit.signActive(goodClaims(T0, { iat: nowSeconds(T0) - 60 }));
    const atErasure = await kit.signActive(goodClaims(T0));
    kit.erased.set(kit.pseudonyms.subjectRef('user-42'), nowSeconds(T0));
    const v = await kit.check(before, ReasonCode.SUBJECT_ERASED);
    expect(v.subjectRef).toBe(kit.pseudonyms.subjectRef('user-42'));
    await kit.check(atErasure, ReasonCode.SUBJECT_ERASED);
    kit.clock.ms = T0 + 5000;
    await kit.check(await kit.signActive(goodClaims(T0 + 5000)), ReasonCode.OK);
    await kit.check(await kit.signActive(goodClaims(T0, { sub: 'user-43' })), ReasonCode.OK);
  });
});

describe('25. key rotation', () => {
  const privateOf = (kid: string) => {
    const k = kit.store.list().find((x) => x.kid === kid)!;
    return openPrivateKey(k.encryptedPrivateKey, k.kid, k.alg, KEK);
  };
  const signWith = (kid: string, atMs: number) => sign({ alg: 'ES256', typ: 'at+jwt', kid }, goodClaims(atMs), privateOf(kid));

  it('published → active → retiring → retired, with the documented reason in every phase', async () => {
    const oldKid = kit.activeKid();
    const [, published] = await kit.rotation.rotateNow();
    const newKid = published.kid;
    expect(published.phase).toBe('PUBLISHED');
    await kit.check(await signWith(newKid, kit.clock.ms), ReasonCode.OK); // published, not yet signing
    expect(kit.activeKid()).toBe(oldKid);

    kit.clock.ms += 300_000; // one JWKS cache lifetime
    expect((await kit.rotation.tick()).map((r) => `${r.phase} ${r.kid === newKid ? 'new' : 'old'}`)).toEqual(['ACTIVATED new', 'DEACTIVATED old']);
    expect(kit.activeKid()).toBe(newKid);
    await kit.check(await signWith(oldKid, kit.clock.ms), ReasonCode.OK); // retiring: still verifies

    kit.clock.ms += (900 + 30 + 300) * 1000;
    expect((await kit.rotation.tick()).map((r) => r.phase)).toEqual(['RETIRED']);
    await kit.check(await signWith(oldKid, kit.clock.ms), ReasonCode.KEY_RETIRED);
    await kit.check(await signWith(newKid, kit.clock.ms), ReasonCode.OK);
    expect(kit.store.jwks().keys.map((k) => k.kid)).toEqual([newKid]);
  });

  it('a compromised key is refused at once (KEY_REVOKED) and a successor signs immediately', async () => {
    const oldKid = kit.activeKid();
    const token = await kit.signActive(goodClaims(T0));
    const records = await kit.rotation.revoke(oldKid);
    expect(records.map((r) => r.phase)).toEqual(['REVOKED', 'GENERATED', 'PUBLISHED', 'ACTIVATED']);
    await kit.check(token, ReasonCode.KEY_REVOKED);
    await kit.check(await kit.signActive(goodClaims(T0)), ReasonCode.OK);
    expect(kit.store.jwks().keys.map((k) => k.kid)).not.toContain(oldKid);
  });
});

describe('agreement with jose jwtVerify under the same pins', () => {
  it.each([
    [{}, true], [{ iss: `${ISSUER}/` }, false], [{ aud: 'https://other.example' }, false],
    [{ exp: nowSeconds(T0) - 60 }, false], [{ nbf: nowSeconds(T0) + 120 }, false],
  ])('%j', async (patch, accepted) => {
    const token = await kit.signActive(goodClaims(T0, { iat: nowSeconds(T0) - 100, ...patch }));
    const ours = await kit.validator.validate(token);
    const k = kit.store.verificationKey(kit.activeKid());
    if (k.status !== 'ok') throw new Error('no key');
    const theirs = await jwtVerify(token, k.key, {
      algorithms: ['ES256'], issuer: ISSUER, audience: AUDIENCE, typ: 'at+jwt', clockTolerance: 30, maxTokenAge: 900 + 30,
      requiredClaims: ['exp', 'iat', 'jti', 'sub', 'client_id', 'aud', 'iss'], currentDate: new Date(T0),
    }).then(() => true, () => false);
    expect([ours.valid, theirs]).toEqual([accepted, accepted]);
  });
});
