import { ClickHouseRow } from '@tokenwarden/clickhouse';
import { EventHeader, EventTypeName, TokenwardenEvent } from '@tokenwarden/events';
import { MAX_DATETIME_MS, MAX_UINT32 } from './field-rules';

/** The tables of schemas/clickhouse the projector writes. */
export type ProjectorTable = 'token_events' | 'key_events' | 'alerts';

export const TABLE_OF_TYPE: Readonly<Record<EventTypeName, ProjectorTable>> = Object.freeze({
  TokenIssued: 'token_events',
  TokenValidated: 'token_events',
  TokenRevoked: 'token_events',
  IssuanceDenied: 'token_events',
  SubjectErased: 'token_events',
  ConsentChanged: 'token_events',
  KeyLifecycle: 'key_events',
  Alert: 'alerts',
});

export interface ProjectedRow {
  table: ProjectorTable;
  row: ClickHouseRow;
}

type Fields = Record<string, unknown>;

/**
 * Maps a decoded event (already past the field rules) to its row. Every
 * column is sent (ClickHouse 18.16 ignores DEFAULT on JSONEachRow). Fields
 * with a column go there; every other field of the event, including fields
 * added by later schema versions, goes into the `detail` JSON object.
 * A value its nullable column cannot hold (a timestamp past 2106, a negative
 * lifetime) leaves the column NULL and keeps the exact value in `detail`; a
 * lifetime beyond UInt32 saturates, so "issued beyond policy" still finds it.
 *
 * token_events columns shared by several types:
 *   reason    TokenValidated.reason, TokenRevoked.reason, IssuanceDenied.reason
 *   aud/scope TokenIssued (granted), IssuanceDenied (requested_audience /
 *             requested_scope), ConsentChanged (scope consented to)
 *   lifetime_seconds  TokenIssued.lifetime_seconds, IssuanceDenied.requested_lifetime_seconds
 */
export function toRow(event: TokenwardenEvent, ingestedAtMs: number): ProjectedRow {
  const table = TABLE_OF_TYPE[event.type];
  const columns = typeColumns(event);
  const used = COLUMN_FIELDS[event.type];
  const detail: Fields = {};
  const value = event.value as unknown as Fields;
  for (const name in value) {
    if (name !== 'header' && !used.has(name)) detail[name] = value[name];
  }
  // Built in one object literal with every column, then filled: this runs for every event.
  const row = table === 'token_events' ? tokenEventsRow(event.type, event.value.header) : headerColumns(event.value.header);
  for (const name in columns) {
    const column = columns[name];
    if (column instanceof Overflow) {
      row[name] = column.column;
      detail[column.field] = column.exact;
    } else row[name] = column;
  }
  row.detail = JSON.stringify(detail);
  row.ingested_at = seconds(ingestedAtMs);
  return { table, row };
}

function headerColumns(h: EventHeader): ClickHouseRow {
  return {
    event_id: h.event_id,
    event_time: seconds(h.event_time),
    tenant_id: h.tenant_id,
    trace_id: h.trace_id ?? '',
    session_id: h.session_id,
    subject_ref: h.subject_ref ?? '',
    client_id: h.client_id ?? '',
    ip: h.ip,
    producer_service: h.producer.service,
    producer_instance: h.producer.instance,
    producer_version: h.producer.version,
  };
}

const NONE: readonly string[] = Object.freeze([]);

/**
 * A token_events row: the header columns (as headerColumns), then every other
 * column at its "absent" value. One literal keeps the row a fast-mode object,
 * which the encoder reads column by column for every event.
 */
function tokenEventsRow(type: EventTypeName, h: EventHeader): ClickHouseRow {
  return {
    event_id: h.event_id,
    event_type: type,
    event_time: seconds(h.event_time),
    tenant_id: h.tenant_id,
    trace_id: h.trace_id ?? '',
    session_id: h.session_id,
    subject_ref: h.subject_ref ?? '',
    client_id: h.client_id ?? '',
    ip: h.ip,
    producer_service: h.producer.service,
    producer_instance: h.producer.instance,
    producer_version: h.producer.version,
    jti: '',
    iss: '',
    token_kind: '',
    outcome: '',
    reason: '',
    alg: '',
    kid: '',
    aud: NONE,
    scope: NONE,
    issued_at: null,
    expires_at: null,
    family_id: '',
    parent_jti: '',
    lifetime_seconds: null,
    detail: '',
    ingested_at: 0,
  };
}

/** A value that does not fit its nullable column: `column` goes there, the exact value into detail. */
class Overflow {
  constructor(
    readonly field: string,
    readonly exact: number,
    readonly column: number | null,
  ) {}
}

const nullableDateTime = (field: string, ms: number | null): number | null | Overflow =>
  ms === null ? null : ms < 0 || ms > MAX_DATETIME_MS ? new Overflow(field, ms, null) : seconds(ms);
const nullableUInt32 = (field: string, n: number | null): number | null | Overflow =>
  n === null ? null : n < 0 ? new Overflow(field, n, null) : n > MAX_UINT32 ? new Overflow(field, n, MAX_UINT32) : n;

/** Event fields that have a column of their own, per type; every other field goes into detail. */
const COLUMN_FIELDS: Readonly<Record<EventTypeName, ReadonlySet<string>>> = {
  TokenIssued: new Set(['jti', 'iss', 'token_kind', 'aud', 'scope', 'kid', 'alg', 'issued_at', 'expires_at', 'lifetime_seconds', 'family_id', 'parent_jti']),
  TokenValidated: new Set(['jti', 'iss', 'outcome', 'reason', 'alg', 'kid']),
  TokenRevoked: new Set(['jti', 'iss', 'token_kind', 'reason', 'family_id', 'expires_at']),
  IssuanceDenied: new Set(['reason', 'requested_audience', 'requested_scope', 'requested_lifetime_seconds']),
  ConsentChanged: new Set(['scope']),
  SubjectErased: new Set([]),
  KeyLifecycle: new Set(['kid', 'alg', 'phase', 'key_created_at', 'storage', 'jwk_thumbprint']),
  Alert: new Set([
    'alert_id', 'rule_id', 'rule_version', 'severity', 'title', 'group_key', 'window_start', 'window_end',
    'threshold', 'count', 'first_seen', 'last_seen', 'evidence_event_ids', 'mitre_techniques', 'status',
  ]),
};

/** The type's own columns, keyed by column name (COLUMN_FIELDS lists the event fields they come from). */
function typeColumns(event: TokenwardenEvent): Record<string, unknown> {
  switch (event.type) {
    case 'TokenIssued': {
      const v = event.value;
      return {
        jti: v.jti,
        iss: v.iss,
        token_kind: v.token_kind,
        aud: v.aud,
        scope: v.scope,
        kid: v.kid,
        alg: v.alg,
        issued_at: nullableDateTime('issued_at', v.issued_at),
        expires_at: nullableDateTime('expires_at', v.expires_at),
        lifetime_seconds: nullableUInt32('lifetime_seconds', v.lifetime_seconds),
        family_id: v.family_id ?? '',
        parent_jti: v.parent_jti ?? '',
      };
    }
    case 'TokenValidated': {
      const v = event.value;
      return { jti: v.jti ?? '', iss: v.iss ?? '', outcome: v.outcome, reason: v.reason, alg: v.alg ?? '', kid: v.kid ?? '' };
    }
    case 'TokenRevoked': {
      const v = event.value;
      return {
        jti: v.jti,
        iss: v.iss,
        token_kind: v.token_kind,
        reason: v.reason,
        family_id: v.family_id ?? '',
        expires_at: nullableDateTime('expires_at', v.expires_at),
      };
    }
    case 'IssuanceDenied': {
      const v = event.value;
      return {
        reason: v.reason,
        aud: v.requested_audience,
        scope: v.requested_scope,
        lifetime_seconds: nullableUInt32('requested_lifetime_seconds', v.requested_lifetime_seconds),
      };
    }
    case 'ConsentChanged':
      return { scope: event.value.scope };
    case 'SubjectErased':
      return {};
    case 'KeyLifecycle': {
      const v = event.value;
      return {
        kid: v.kid,
        alg: v.alg,
        phase: v.phase,
        key_created_at: seconds(v.key_created_at),
        storage: v.storage,
        jwk_thumbprint: v.jwk_thumbprint,
      };
    }
    case 'Alert': {
      const v = event.value;
      return {
        alert_id: v.alert_id,
        rule_id: v.rule_id,
        rule_version: v.rule_version,
        severity: v.severity,
        title: v.title,
        group_key: v.group_key,
        window_start: seconds(v.window_start),
        window_end: seconds(v.window_end),
        threshold: v.threshold,
        count: v.count,
        first_seen: seconds(v.first_seen),
        last_seen: seconds(v.last_seen),
        evidence_event_ids: v.evidence_event_ids,
        mitre_techniques: v.mitre_techniques,
        status: v.status,
      };
    }
  }
}

/** DateTime('UTC') as unix seconds: TabSeparated and JSONEachRow read them without any time-zone question. */
function seconds(ms: number): number {
  return Math.floor(ms / 1000);
}

/** Every column of each table in the order of schemas/clickhouse (the spec checks it): what inserts name. */
export const TABLE_COLUMNS: Readonly<Record<ProjectorTable, readonly string[]>> = Object.freeze({
  token_events: Object.freeze([
    'event_id', 'event_type', 'event_time', 'tenant_id', 'trace_id', 'session_id', 'subject_ref', 'client_id', 'ip',
    'producer_service', 'producer_instance', 'producer_version', 'jti', 'iss', 'token_kind', 'outcome', 'reason', 'alg', 'kid',
    'aud', 'scope', 'issued_at', 'expires_at', 'family_id', 'parent_jti', 'lifetime_seconds', 'detail', 'ingested_at',
  ]),
  key_events: Object.freeze([
    'event_id', 'event_time', 'tenant_id', 'trace_id', 'session_id', 'subject_ref', 'client_id', 'ip',
    'producer_service', 'producer_instance', 'producer_version', 'kid', 'alg', 'phase', 'key_created_at', 'storage',
    'jwk_thumbprint', 'detail', 'ingested_at',
  ]),
  alerts: Object.freeze([
    'alert_id', 'event_id', 'event_time', 'tenant_id', 'trace_id', 'session_id', 'subject_ref', 'client_id', 'ip',
    'producer_service', 'producer_instance', 'producer_version', 'rule_id', 'rule_version', 'severity', 'title', 'group_key',
    'window_start', 'window_end', 'threshold', 'count', 'first_seen', 'last_seen', 'evidence_event_ids', 'mitre_techniques',
    'status', 'detail', 'ingested_at',
  ]),
});
