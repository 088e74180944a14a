import { ReasonCode } from './reason-codes';
import { JsonObject, parseStrictObject } from './json-guard';

const B64URL_SEGMENT = /^[A-Za-z0-9_-]*$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

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
  if (segment.length === 0 || segment.length % 4 === 1 || !B64URL_SEGMENT.test(segment)) return undefined;
  try {
    return parseStrictObject(utf8.decode(Buffer.from(segment, 'base64url')));
  } catch {
    return undefined; // invalid UTF-8
  }
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
    if (s.length % 4 === 1 || !B64URL_SEGMENT.test(s)) return fail(ReasonCode.MALFORMED);
  }
  const header = decodeSegmentObject(segments[0]);
  if (!header) return fail(ReasonCode.MALFORMED);
  return { ok: true, kind: segments.length === 3 ? 'jws' : 'jwe', segments, header };
}
