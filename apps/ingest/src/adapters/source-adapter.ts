import { createHash, createHmac } from 'node:crypto';
import { isIP } from 'node:net';
import { EventHeader, GrantType, TokenwardenEvent } from '@tokenwarden/events';
import { ProducerConfig } from '../producers/producer-config';

/** Why a source event was parked on dead-letters (the `tw-error-code` header). */
export type ParkCode =
  | 'INGEST_UNKNOWN_TYPE' // a type the adapter has no mapping for
  | 'INGEST_MALFORMED_SOURCE_EVENT' // not the documented shape (missing id, type or time)
  | 'INGEST_REALM_NOT_CONFIGURED' // Keycloak realm with no tenant in the producers file
  | 'INGEST_UNMAPPED_VALUE' // a known type with a value the mapping does not cover
  | 'INGEST_MAPPING_INVALID'; // the mapped event broke the contract (e.g. an unparsable ip)

/** What became of one source event. Nothing is dropped: it is mapped, deliberately skipped (counted), or parked. */
export type SourceOutcome =
  | { kind: 'mapped'; sourceType: string; events: TokenwardenEvent[] }
  | { kind: 'skipped'; sourceType: string }
  | { kind: 'parked'; sourceType: string; id: string; code: ParkCode; reason: string };

export interface AdapterContext {
  readonly producer: ProducerConfig;
  /** This ingest process, named in the headers it writes. */
  readonly instanceId: string;
  readonly pseudonyms: SubjectPseudonyms;
}

/** Translates one identity product's events into the contract. */
export interface SourceAdapter {
  readonly source: 'keycloak' | 'auth0';
  /** Skipped source types, for metrics labels (a fixed, small set). */
  readonly skippedTypes: readonly string[];
  map(raw: unknown, ctx: AdapterContext): SourceOutcome;
}

/**
 * `subject_ref` for adapters: HMAC-SHA256 of the source's user id under the
 * server key (TW_SUBJECT_REF_KEY), exactly as the token service computes it,
 * so one key yields one pseudonym per subject across sources.
 */
export class SubjectPseudonyms {
  private readonly key: Buffer;

  constructor(key: Uint8Array) {
    if (key.length < 32) throw new RangeError('subject pseudonym key must be at least 32 bytes');
    this.key = Buffer.from(key);
  }

  subjectRef(subject: string): string {
    return createHmac('sha256', this.key).update(subject, 'utf8').digest('hex');
  }
}

// Our own namespace for UUID v5 event ids (a random v4, fixed forever: changing it breaks replay dedup).
const INGEST_NAMESPACE = Buffer.from('3b8f0c2e7d4a4f9e9c51a6d2e0b7f413', 'hex');

/** RFC 4122 §4.3 name-based UUID (version 5, SHA-1) in our namespace: same name, same id, every time. */
export function uuidV5(name: string, namespace: Buffer = INGEST_NAMESPACE): string {
  const hash = createHash('sha1').update(namespace).update(name, 'utf8').digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const h = hash.subarray(0, 16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * Event id of the `role`-th event made from one source event: a replay of
 * the source event (webhook retry, re-export) gets the same ids, so it dedupes.
 */
export const derivedEventId = (source: string, scope: string, sourceId: string, role: string): string =>
  uuidV5([source, scope, sourceId, role].join('\n'));

/** A stable id for a source event that carries none: SHA-256 of its canonical JSON. */
export const contentId = (raw: unknown): string => createHash('sha256').update(canonicalJson(raw)).digest('hex');

function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().filter((k) => o[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

const MAX_HEADER_STRING = 256;

export interface HeaderFacts {
  readonly eventId: string;
  readonly eventTimeMs: number;
  readonly tenant: string;
  readonly sessionId?: unknown;
  readonly subjectRef: string | null;
  readonly clientId?: unknown;
  readonly ip?: unknown;
}

/** The header of an adapter-built event: the producer is the source's service, as written by this ingest. */
export function adapterHeader(ctx: AdapterContext, adapterVersion: string, f: HeaderFacts): EventHeader {
  return {
    event_id: f.eventId,
    event_time: f.eventTimeMs,
    producer: { service: ctx.producer.service, instance: ctx.instanceId, version: adapterVersion },
    tenant_id: f.tenant,
    trace_id: null,
    session_id: text(f.sessionId),
    subject_ref: f.subjectRef,
    client_id: text(f.clientId),
    // An address the source got wrong is kept as null rather than parking a real token fact.
    ip: typeof f.ip === 'string' && isIP(f.ip.trim()) !== 0 ? f.ip.trim() : null,
  };
}

/** A non-empty string from a source field, capped; null otherwise. */
export function text(v: unknown, max = MAX_HEADER_STRING): string | null {
  return typeof v === 'string' && v.trim() !== '' ? v.slice(0, max) : null;
}

/** Scopes as a source gives them: one space-separated string or an array of strings. */
export function scopes(v: unknown): string[] {
  const list = typeof v === 'string' ? v.split(' ') : Array.isArray(v) ? v : [];
  return list.filter((s): s is string => typeof s === 'string' && s !== '').slice(0, 64).map((s) => s.slice(0, 256));
}

/** OAuth grant_type parameter values (RFC 6749, 8628, 8693, 7523) to the contract's enum. */
export const GRANT_TYPES: Readonly<Record<string, GrantType>> = {
  authorization_code: 'AUTHORIZATION_CODE',
  client_credentials: 'CLIENT_CREDENTIALS',
  refresh_token: 'REFRESH_TOKEN',
  password: 'PASSWORD',
  'urn:ietf:params:oauth:grant-type:token-exchange': 'TOKEN_EXCHANGE',
  'urn:ietf:params:oauth:grant-type:device_code': 'DEVICE_CODE',
  'urn:ietf:params:oauth:grant-type:jwt-bearer': 'JWT_BEARER',
};

/** iat/exp are whole seconds: issued_at is the event time cut to the second, expires_at adds the lifetime. */
export function tokenTimes(eventTimeMs: number, lifetimeSeconds: number): { issued_at: number; expires_at: number; lifetime_seconds: number } {
  const issuedAt = Math.floor(eventTimeMs / 1000) * 1000;
  return { issued_at: issuedAt, expires_at: issuedAt + lifetimeSeconds * 1000, lifetime_seconds: lifetimeSeconds };
}

/** A table entry by a key from the outside: own properties only ("constructor" or "__proto__" find nothing). */
export function lookup<T>(table: Readonly<Record<string, T>>, key: unknown): T | undefined {
  return typeof key === 'string' && Object.hasOwn(table, key) ? table[key] : undefined;
}

export const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
