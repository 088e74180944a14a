import { isUtf8 } from 'node:buffer';
import { ReasonCode } from './reason-codes';
import { JsonObject, parseStrictObject } from './json-guard';

/** True when every character is in the base64url alphabet (A–Z a–z 0–9 - _), no padding. */
function isBase64url(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // 0-9, A-Z, a-z, '-', '_'
    if (!((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x5f)) return false;
  }
  return true;
}

export type Shape =
  | { readonly ok: true; readonly kind: 'jws' | 'jwe'; readonly segments: readonly string[]; readonly header: JsonObject }
  | { readonly ok: false; readonly reason: ReasonCode };

const fail = (reason: ReasonCode): Shape => ({ ok: false, reason });

/** Size cap first, by string length (O(1)) and then by bytes: nothing else runs on an oversized token. */
export function exceedsSize(token: string, maxBytes: number): boolean {
  return token.length > maxBytes || Buffer.byteLength(token, 'utf8') > maxBytes;
}

/** Strict base64url segment → JSON object, or undefined. */
export function decodeSegmentObject(segment: string): JsonObject | undefined {
  if (segment.length === 0 || segment.length % 4 === 1 || !isBase64url(segment)) return undefined;
  const bytes = Buffer.from(segment, 'base64url');
  if (!isUtf8(bytes)) return undefined; // invalid UTF-8 is refused, never replaced
  // Same text as a fatal TextDecoder gives: one leading BOM is dropped.
  const bom = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  return parseStrictObject(bytes.toString('utf8', bom));
}

/**
 * Cheap structural checks before any JOSE library sees the token: size,
 * compact serialization shape (3 segments JWS, 5 JWE), base64url charset and a
 * protected header that is a JSON object with unique member names.
 */
export function precheckCompact(token: unknown, maxBytes: number): Shape {
  if (typeof token !== 'string') return fail(ReasonCode.MALFORMED);
  if (exceedsSize(token, maxBytes)) return fail(ReasonCode.TOO_LARGE);
  const segments = token.split('.');
  if (segments.length !== 3 && segments.length !== 5) return fail(ReasonCode.MALFORMED);
  for (const s of segments) {
    if (s.length % 4 === 1 || !isBase64url(s)) return fail(ReasonCode.MALFORMED);
  }
  const header = decodeSegmentObject(segments[0]);
  if (!header) return fail(ReasonCode.MALFORMED);
  return { ok: true, kind: segments.length === 3 ? 'jws' : 'jwe', segments, header };
}
