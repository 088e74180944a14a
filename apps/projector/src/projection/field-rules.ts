import { TokenwardenEvent } from '@tokenwarden/events';

/** Earliest event_time the analyst model accepts: older values are producer bugs, not history. */
export const MIN_EVENT_TIME_MS = Date.UTC(2000, 0, 1);
/** ClickHouse DateTime is a UInt32 of seconds: 1970-01-01 .. 2106-02-07 UTC. */
export const MAX_DATETIME_MS = 0xffffffff * 1000;
export const MAX_UINT32 = 0xffffffff;

// A compact JWS or JWE: a base64url JSON header ("eyJ" is '{"'), then dots.
// Events name tokens by jti and fingerprint only; a field holding a token is a
// producer leaking credentials into the audit trail.
const COMPACT_JWT = /eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*\./;
const JWT_START = 'eyJ';
const JWT_START_BYTES = Buffer.from(JWT_START);

export interface FieldRuleOptions {
  /** How far event_time may run ahead of the projector's clock. */
  maxFutureMs: number;
}

/**
 * Rules a decodable event must meet before it becomes a row. Returns the
 * first problem (field path and rule, never the value), or undefined.
 * `encoded`, the Avro bytes the event was decoded from, spares the walk for
 * raw tokens when they cannot hold one (see mayHoldRawToken).
 */
export function fieldRuleProblem(event: TokenwardenEvent, nowMs: number, options: FieldRuleOptions, encoded?: Buffer): string | undefined {
  const h = event.value.header;
  if (h.tenant_id.trim() === '') return 'header.tenant_id is empty';
  if (h.event_time < MIN_EVENT_TIME_MS) return 'header.event_time is before 2000-01-01';
  if (h.event_time > nowMs + options.maxFutureMs) {
    return `header.event_time is more than ${Math.round(options.maxFutureMs / 1000)} s in the future`;
  }
  const leak = encoded === undefined || mayHoldRawToken(encoded) ? findRawToken(event.value, event.type) : undefined;
  if (leak) return `${leak} holds what looks like a raw JWT`;
  return typeRuleProblem(event);
}

// Values that land in non-nullable DateTime / UInt columns must fit them;
// nullable columns take out-of-range values as NULL plus `detail` instead.
function typeRuleProblem(event: TokenwardenEvent): string | undefined {
  switch (event.type) {
    case 'KeyLifecycle':
      return dateTimeProblem('key_created_at', event.value.key_created_at);
    case 'Alert': {
      const a = event.value;
      for (const [name, ms] of [
        ['window_start', a.window_start],
        ['window_end', a.window_end],
        ['first_seen', a.first_seen],
        ['last_seen', a.last_seen],
      ] as const) {
        const p = dateTimeProblem(name, ms);
        if (p) return p;
      }
      if (a.alert_id.trim() === '') return 'alert_id is empty';
      if (a.rule_version < 0) return 'rule_version is negative';
      if (a.count < 0 || a.threshold < 0) return 'count and threshold must not be negative';
      return undefined;
    }
    case 'TokenIssued':
    case 'TokenValidated':
    case 'TokenRevoked':
    case 'IssuanceDenied':
    case 'SubjectErased':
    case 'ConsentChanged':
      return undefined;
  }
}

function dateTimeProblem(name: string, ms: number): string | undefined {
  return ms < 0 || ms > MAX_DATETIME_MS ? `${name} is outside 1970-01-01..2106-02-07` : undefined;
}

/**
 * Every string of a decoded event is in its bytes as UTF-8 (Avro stores
 * strings raw), apart from schema defaults (which schema-rules.spec keeps
 * free of "eyJ") and enum symbols (no dots, so never a JWT). Bytes without
 * "eyJ" therefore hold no compact JWT: one native scan instead of a walk
 * over every field, for every event.
 */
function mayHoldRawToken(encoded: Buffer): boolean {
  return encoded.includes(JWT_START_BYTES);
}

/** The path of the first string that looks like a compact JWT, if any. */
function findRawToken(value: unknown, path: string): string | undefined {
  // Runs for every event: the cheap check first, paths only for the rare hit.
  if (!holdsRawToken(value)) return undefined;
  if (typeof value === 'string') return path;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) {
      const found = findRawToken(value[i], `${path}[${i}]`);
      if (found) return found;
    }
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const found = findRawToken(v, `${path}.${k}`);
      if (found) return found;
    }
  }
  return undefined;
}

function holdsRawToken(value: unknown): boolean {
  if (typeof value === 'string') return value.includes(JWT_START) && COMPACT_JWT.test(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) if (holdsRawToken(value[i])) return true;
  } else if (value !== null && typeof value === 'object') {
    const fields = value as Record<string, unknown>;
    for (const k in fields) if (Object.hasOwn(fields, k) && holdsRawToken(fields[k])) return true;
  }
  return false;
}
