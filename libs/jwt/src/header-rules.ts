import { ReasonCode } from './reason-codes';
import { JsonObject } from './json-guard';

/** Header members through which a token names its own key; never trusted, never fetched (RFC 8725 §3.10). */
const EMBEDDED_KEY_MEMBERS = ['jwk', 'jku', 'x5u', 'x5c'];
/** Our kids are RFC 7638 thumbprints; anything outside this shape is not a key id at all. */
const KID_SHAPE = /^[A-Za-z0-9._~:-]{1,128}$/;

export type HeaderVerdict =
  | { readonly ok: true; readonly alg: string; readonly kid: string }
  | { readonly ok: false; readonly reason: ReasonCode };

/** RFC 9068 §2.1 / RFC 7515 §4.1.9: media type names compare case-insensitively, `application/` may be omitted. */
export function isAccessTokenType(typ: unknown): boolean {
  if (typeof typ !== 'string') return false;
  const t = typ.toLowerCase();
  return t === 'at+jwt' || t === 'application/at+jwt';
}

export const hasEmbeddedKey = (h: JsonObject): boolean => EMBEDDED_KEY_MEMBERS.some((m) => Object.hasOwn(h, m));

/**
 * JWS header rules, in a fixed order so a token gets one stable reason:
 * alg none → embedded key → alg allow-list (exact, case-sensitive) → crit/b64 → typ → kid.
 * Refusing embedded keys outright (rather than ignoring them) makes the attempt visible in the audit trail.
 */
export function checkJwsHeader(h: JsonObject, allowed: readonly string[]): HeaderVerdict {
  const alg = h.alg;
  if (typeof alg !== 'string' || alg.length === 0) return { ok: false, reason: ReasonCode.MALFORMED };
  if (alg.trim().toLowerCase() === 'none') return { ok: false, reason: ReasonCode.ALG_NONE };
  if (hasEmbeddedKey(h)) return { ok: false, reason: ReasonCode.EMBEDDED_KEY };
  if (!allowed.includes(alg)) return { ok: false, reason: ReasonCode.ALG_NOT_ALLOWED };
  // We understand no extension; `b64` (RFC 7797) changes what is signed, so it is refused like crit.
  if (Object.hasOwn(h, 'crit') || Object.hasOwn(h, 'b64')) return { ok: false, reason: ReasonCode.CRIT_UNSUPPORTED };
  if (!isAccessTokenType(h.typ)) return { ok: false, reason: ReasonCode.TYPE_MISMATCH };
  const kid = h.kid;
  if (typeof kid !== 'string' || !KID_SHAPE.test(kid)) return { ok: false, reason: ReasonCode.KID_INVALID };
  return { ok: true, alg, kid };
}

/** Printable ASCII, bounded: header values from untrusted tokens go into events and logs. */
export function sanitizeHeaderValue(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  // Fast path, no allocation: short and printable already (our own alg and kid values always are).
  if (v.length <= 64 && isPrintableAscii(v)) return v;
  return v.replace(/[^\x20-\x7e]/g, '?').slice(0, 64);
}

function isPrintableAscii(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}
