import { isIP } from 'node:net';
import { TokenwardenEvent } from '@tokenwarden/events';
import { FieldProblem } from './json-to-avro';

/** Earliest event_time the analyst model accepts (the projector parks older ones). */
export const MIN_EVENT_TIME_MS = Date.UTC(2000, 0, 1);
/** ClickHouse DateTime is a UInt32 of seconds: later times cannot land. */
export const MAX_DATETIME_MS = 0xffffffff * 1000;

// A compact JWS or JWE ("eyJ" is base64url of '{"'): events name tokens by jti and fingerprint only.
const COMPACT_JWT = /eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*\./;
const HEX64 = /^[0-9a-f]{64}$/;
const TRACE_ID = /^[0-9a-f]{32}$/;

export interface RuleOptions {
  readonly nowMs: number;
  readonly maxFutureMs: number;
  /**
   * Adapters cannot compute a token's SHA-256 (identity products do not send
   * tokens) and write `""`; direct producers must send the real fingerprint.
   */
  readonly fingerprintRequired: boolean;
}

/**
 * Rules the `.avsc` docs state but Avro cannot check: pseudonyms look like
 * HMAC-SHA256 hex (a raw user id must never reach the audit trail), times
 * fit the analyst model, reason codes agree with outcomes, no field carries
 * a raw JWT. Problems name the field, never its value.
 */
export function contractProblems(event: TokenwardenEvent, o: RuleOptions): FieldProblem[] {
  const out: FieldProblem[] = [];
  const bad = (path: string, message: string) => out.push({ path, message });
  const h = event.value.header;
  if (h.tenant_id.trim() === '') bad('header.tenant_id', 'must not be empty');
  for (const k of ['service', 'instance', 'version'] as const) {
    if (h.producer[k].trim() === '') bad(`header.producer.${k}`, 'must not be empty');
  }
  if (h.event_time < MIN_EVENT_TIME_MS) bad('header.event_time', 'must not be before 2000-01-01');
  if (h.event_time > o.nowMs + o.maxFutureMs) bad('header.event_time', `must not be more than ${Math.round(o.maxFutureMs / 1000)} s in the future`);
  if (h.trace_id !== null && (!TRACE_ID.test(h.trace_id) || /^0+$/.test(h.trace_id))) bad('header.trace_id', 'must be a W3C trace-id: 32 lowercase hex digits, not all zero');
  if (h.subject_ref !== null && !HEX64.test(h.subject_ref)) bad('header.subject_ref', 'must be an HMAC-SHA256 pseudonym (64 lowercase hex digits), never a raw subject id');
  if (h.ip !== null && isIP(h.ip) === 0) bad('header.ip', 'must be an IPv4 or IPv6 address');
  typeRules(event, o, bad);
  const leak = findRawToken(event.value, '');
  if (leak) bad(leak, 'looks like a raw JWT; events name tokens by jti and token_fingerprint only');
  return out;
}

function typeRules(event: TokenwardenEvent, o: RuleOptions, bad: (path: string, message: string) => void): void {
  const time = (path: string, ms: number) => {
    if (ms < 0 || ms > MAX_DATETIME_MS) bad(path, 'must lie within 1970-01-01..2106-02-07');
  };
  const fingerprint = (fp: string | null) => {
    if (fp === null || HEX64.test(fp) || (fp === '' && !o.fingerprintRequired)) return;
    bad('token_fingerprint', 'must be the lowercase hex SHA-256 of the token (64 digits)');
  };
  switch (event.type) {
    case 'TokenIssued': {
      const v = event.value;
      time('issued_at', v.issued_at);
      time('expires_at', v.expires_at);
      fingerprint(v.token_fingerprint);
      if (v.jti.trim() === '') bad('jti', 'must not be empty');
      if (v.expires_at < v.issued_at) bad('expires_at', 'must not be before issued_at');
      else if (v.lifetime_seconds * 1000 !== v.expires_at - v.issued_at) bad('lifetime_seconds', 'must equal (expires_at - issued_at) / 1000');
      return;
    }
    case 'TokenValidated': {
      const v = event.value;
      fingerprint(v.token_fingerprint);
      if ((v.outcome === 'VALID') !== (v.reason === 'OK')) bad('reason', 'must be OK exactly when outcome is VALID');
      if ((v.outcome === 'ERROR') !== (v.reason === 'INTERNAL_ERROR')) bad('reason', 'must be INTERNAL_ERROR exactly when outcome is ERROR');
      return;
    }
    case 'TokenRevoked':
      time('expires_at', event.value.expires_at);
      if (event.value.jti.trim() === '') bad('jti', 'must not be empty');
      return;
    case 'KeyLifecycle':
      time('key_created_at', event.value.key_created_at);
      if (event.value.kid.trim() === '') bad('kid', 'must not be empty');
      return;
    case 'SubjectErased':
      if (event.value.header.subject_ref === null) bad('header.subject_ref', 'is required: it names the erased subject');
      if (event.value.tokens_revoked < 0 || event.value.families_revoked < 0) bad('tokens_revoked', 'counts must not be negative');
      return;
    case 'ConsentChanged':
      if (event.value.header.subject_ref === null) bad('header.subject_ref', 'is required: it names the consenting subject');
      return;
    case 'IssuanceDenied':
      if (event.value.requested_lifetime_seconds !== null && event.value.requested_lifetime_seconds < 0) bad('requested_lifetime_seconds', 'must not be negative');
      return;
    case 'Alert':
      return;
  }
}

/** The path of the first string that looks like a compact JWT, if any. */
function findRawToken(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return COMPACT_JWT.test(value) ? path || '(root)' : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) {
      const found = findRawToken(value[i], `${path}[${i}]`);
      if (found) return found;
    }
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const found = findRawToken(v, path ? `${path}.${k}` : k);
      if (found) return found;
    }
  }
  return undefined;
}
