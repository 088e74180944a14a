// The ATTACKS.md classes as a table of hostile tokens built against a running instance's key,
// reusing the token-kit builders of the unit suite.
import { createHmac, createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { exportJWK } from 'jose';
import type { SigningKey } from '../../../apps/token-service/src/keys/signing-key';
import { b64, raw, sealedKey, sign, signRawEs256 } from '../../../apps/token-service/src/testing/token-kit';
import { API } from './clients';
import { ISSUER } from './harness';

export interface HostileCase {
  readonly cls: number;
  readonly name: string;
  readonly token: string;
  /** Reason at /v1/validate (audience pinned to the API). */
  readonly reason: string;
  /** Reason at /oauth2/introspect when it differs (no audience is pinned there; a foreign token is CLIENT_MISMATCH). */
  readonly introspectReason?: string;
}

const attacker = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });

/** Several variants of every class that a token alone can express (20, 21 and 25 need state: see their own tests). */
export async function hostileTokens(signing: SigningKey): Promise<HostileCase[]> {
  const key = sealedKey(signing);
  const now = Math.floor(Date.now() / 1000);
  const claims = (patch: Record<string, unknown> = {}) => ({
    iss: ISSUER, sub: 'user-42', aud: API, client_id: 'billing', iat: now - 10, exp: now + 600, jti: `h-${randomBytes(6).toString('hex')}`, scope: 'read', ...patch,
  });
  const hdr = (patch: Record<string, unknown> = {}) => ({ alg: 'ES256', typ: 'at+jwt', kid: key.kid, ...patch });
  const ours = (payload: unknown, header: Record<string, unknown> = hdr()) => sign(header, payload, key.key);
  const oursRaw = (headerText: string, payloadText: string) => signRawEs256(headerText, payloadText, key.key);
  const good = await ours(claims());
  const [gh, gp, gs] = good.split('.');
  const pem = createPublicKey(key.key).export({ type: 'spki', format: 'pem' });
  const hmac = (alg: string) => {
    const input = `${b64(hdr({ alg }))}.${b64(claims())}`;
    return `${input}.${createHmac(`sha${alg.slice(2)}`, pem).update(input).digest('base64url')}`;
  };
  const fakeJwe = (h: Record<string, unknown>) => [b64(h), 'AAAA', 'AAAAAAAAAAAAAAAA', 'AAAA', 'AAAAAAAAAAAAAAAAAAAAAA'].join('.');
  const ENC = { alg: 'ECDH-ES+A256KW', enc: 'A256GCM', cty: 'JWT', kid: 'enc-1' };
  const c = (cls: number, name: string, token: string, reason: string, introspectReason?: string): HostileCase => ({ cls, name, token, reason, introspectReason });
  return [
    c(1, 'alg none', raw(hdr({ alg: 'none' }), claims(), ''), 'ALG_NONE'),
    c(1, 'alg None with a signature', raw(hdr({ alg: 'None' }), claims(), gs), 'ALG_NONE'),
    c(1, 'alg " none"', raw(hdr({ alg: ' none' }), claims(), ''), 'ALG_NONE'),
    c(1, 'signature stripped', `${gh}.${gp}.`, 'SIGNATURE_INVALID'),
    c(2, 'alg es256', raw(hdr({ alg: 'es256' }), claims(), gs), 'ALG_NOT_ALLOWED'),
    c(2, 'alg with a Cyrillic E', raw(hdr({ alg: '\u0415S256' }), claims(), gs), 'ALG_NOT_ALLOWED'),
    c(2, 'alg "ES256 "', raw(hdr({ alg: 'ES256 ' }), claims(), gs), 'ALG_NOT_ALLOWED'),
    c(3, 'HS256 keyed with our public key', hmac('HS256'), 'ALG_NOT_ALLOWED'),
    c(3, 'HS512 keyed with our public key', hmac('HS512'), 'ALG_NOT_ALLOWED'),
    c(4, 'RS256 under our kid (policy: ES256 only)', await sign(hdr({ alg: 'RS256' }), claims(), rsa.privateKey), 'ALG_NOT_ALLOWED'),
    c(4, 'PS256 under our kid', await sign(hdr({ alg: 'PS256' }), claims(), rsa.privateKey), 'ALG_NOT_ALLOWED'),
    c(5, 'embedded jwk', await sign({ alg: 'ES256', typ: 'at+jwt', jwk: await exportJWK(attacker.publicKey) }, claims(), attacker.privateKey), 'EMBEDDED_KEY'),
    c(5, 'jku to attacker', await sign(hdr({ jku: 'https://attacker.example/jwks.json' }), claims(), attacker.privateKey), 'EMBEDDED_KEY'),
    c(5, 'x5u to metadata address', await sign(hdr({ x5u: 'http://169.254.169.254/latest' }), claims(), attacker.privateKey), 'EMBEDDED_KEY'),
    c(5, 'x5c', await sign(hdr({ x5c: [randomBytes(200).toString('base64')] }), claims(), attacker.privateKey), 'EMBEDDED_KEY'),
    c(6, 'kid path traversal', oursRaw(JSON.stringify(hdr({ kid: '../../../../etc/passwd' })), JSON.stringify(claims())), 'KID_INVALID'),
    c(6, 'kid SQL', oursRaw(JSON.stringify(hdr({ kid: "' OR 1=1 --" })), JSON.stringify(claims())), 'KID_INVALID'),
    c(6, 'kid 5000 chars', oursRaw(JSON.stringify(hdr({ kid: 'k'.repeat(5000) })), JSON.stringify(claims())), 'KID_INVALID'),
    c(6, 'kid control characters', oursRaw(JSON.stringify(hdr({ kid: '\u0000\r\n' })), JSON.stringify(claims())), 'KID_INVALID'),
    c(6, 'random kid', oursRaw(JSON.stringify(hdr({ kid: randomBytes(12).toString('hex') })), JSON.stringify(claims())), 'KEY_UNKNOWN'),
    c(7, 'two segments', 'eyJhbGciOiJFUzI1NiJ9.e30', 'MALFORMED'),
    c(7, 'four segments', 'a.b.c.d', 'MALFORMED'),
    c(7, 'non-base64url characters', 'eyJhbGc+OiJFUzI1NiJ9.e30.c2/n', 'MALFORMED'),
    c(7, 'header is an array', `${b64('[]')}.e30.c2ln`, 'MALFORMED'),
    c(7, 'payload is a number', oursRaw(JSON.stringify(hdr()), '42'), 'MALFORMED'),
    c(8, 'r = s = 0', `${gh}.${gp}.${Buffer.alloc(64).toString('base64url')}`, 'SIGNATURE_INVALID'),
    c(8, 'signature of 63 bytes', `${gh}.${gp}.${Buffer.from(gs, 'base64url').subarray(0, 63).toString('base64url')}`, 'SIGNATURE_INVALID'),
    c(8, 'signed by another key', await sign(hdr(), claims(), attacker.privateKey), 'SIGNATURE_INVALID'),
    c(9, 'crit unknown', oursRaw(JSON.stringify(hdr({ crit: ['https://x.example/ext'] })), JSON.stringify(claims())), 'CRIT_UNSUPPORTED'),
    c(9, 'b64 false', oursRaw(JSON.stringify(hdr({ crit: ['b64'], b64: false })), JSON.stringify(claims())), 'CRIT_UNSUPPORTED'),
    c(10, 'no exp', await ours(claims({ exp: undefined })), 'CLAIM_MISSING'),
    c(10, 'no jti', await ours(claims({ jti: undefined })), 'CLAIM_MISSING'),
    c(10, 'client_id null', await ours(claims({ client_id: null })), 'CLAIM_MISSING'),
    c(11, 'expired beyond tolerance', await ours(claims({ iat: now - 200, exp: now - 31 })), 'EXPIRED'),
    c(11, 'nbf in the future', await ours(claims({ nbf: now + 120 })), 'NOT_YET_VALID'),
    c(11, 'iat in the future', await ours(claims({ iat: now + 300, exp: now + 900 })), 'IAT_FUTURE'),
    c(12, 'exp as a string', await ours(claims({ exp: String(now + 600) })), 'CLAIM_TYPE'),
    c(12, 'sub as an object', await ours(claims({ sub: { $ne: '' } })), 'CLAIM_TYPE'),
    c(12, 'aud as a number', await ours(claims({ aud: 12 })), 'CLAIM_TYPE'),
    c(13, 'exp ten years out', await ours(claims({ exp: now + 10 * 365 * 86400 })), 'LIFETIME_EXCEEDED'),
    c(13, 'iat a day ago', await ours(claims({ iat: now - 86400, exp: now + 60 })), 'LIFETIME_EXCEEDED'),
    c(14, 'iss with trailing slash', await ours(claims({ iss: `${ISSUER}/` })), 'ISSUER_MISMATCH'),
    c(14, 'iss over http', await ours(claims({ iss: 'http://id.tokenwarden.test' })), 'ISSUER_MISMATCH'),
    c(14, 'another audience', await ours(claims({ aud: 'https://evil.example' })), 'AUDIENCE_MISMATCH', 'CLIENT_MISMATCH'),
    c(15, 'typ JWT (an ID token)', await ours(claims(), hdr({ typ: 'JWT' })), 'TYPE_MISMATCH'),
    c(15, 'typ logout+jwt', await ours(claims(), hdr({ typ: 'logout+jwt' })), 'TYPE_MISMATCH'),
    c(15, 'no typ', await ours(claims(), { alg: 'ES256', kid: key.kid }), 'TYPE_MISMATCH'),
    c(16, '__proto__ member', oursRaw(JSON.stringify(hdr()), `{"__proto__":{"admin":true},${JSON.stringify(claims()).slice(1)}`), 'MALFORMED'),
    c(16, 'duplicate sub', oursRaw(JSON.stringify(hdr()), `${JSON.stringify(claims()).slice(0, -1)},"sub":"admin"}`), 'MALFORMED'),
    c(16, 'forbidden claim', await ours(claims({ password: 'x' })), 'CLAIM_INVALID'),
    c(16, 'sensitive claim in a plain JWS', await ours(claims({ email: 'a@example.com' })), 'CLAIM_INVALID'),
    c(17, '9 KB token', 'a'.repeat(9000), 'TOO_LARGE'),
    c(17, '20 KB header', raw({ alg: 'ES256', pad: 'x'.repeat(20000) }, {}), 'TOO_LARGE'),
    c(18, 'JWE with zip', fakeJwe({ ...ENC, zip: 'DEF' }), 'JWE_REFUSED'),
    c(18, 'PBES2 with 2^31 iterations', fakeJwe({ ...ENC, alg: 'PBES2-HS512+A256KW', p2c: 2 ** 31, p2s: 'AAAA' }), 'JWE_REFUSED'),
    c(19, 'JWE anyone could encrypt', fakeJwe(ENC), 'JWE_REFUSED'),
    c(19, 'JWE with alg dir', fakeJwe({ ...ENC, alg: 'dir' }), 'JWE_REFUSED'),
  ];
}
