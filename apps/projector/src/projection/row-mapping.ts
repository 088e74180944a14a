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
  const used = COLUMN_FIELDS[event.type];
  const detail: Fields = {};
  const value = event.value as unknown as Fields;
  for (const name in value) {
    if (name !== 'header' && !used.has(name)) detail[name] = value[name];
  }
  // One object literal with every column, then filled by name: this runs for every
  // event. Its keys stay in TABLE_COLUMNS order, the order RowBinaryRows reads fastest.
  const row = table === 'token_events' ? tokenEventsRow(event.type, event.value.header) : headerColumns(event.value.header);
  fillTypeColumns(row, event, detail);
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

// A value its nullable column cannot hold: the column gets `column`, detail the exact value.
function overflow(detail: Fields, field: string, exact: number, column: number | null): number | null {
  detail[field] = exact;
  return column;
}
const nullableDateTime = (detail: Fields, field: string, ms: number | null): number | null =>
  ms === null ? null : ms < 0 || ms > MAX_DATETIME_MS ? overflow(detail, field, ms, null) : seconds(ms);
const nullableUInt32 = (detail: Fields, field: string, n: number | null): number | null =>
  n === null ? null : n < 0 ? overflow(detail, field, n, null) : n > MAX_UINT32 ? overflow(detail, field, n, MAX_UINT32) : n;

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

/** Sets the type's own columns (COLUMN_FIELDS lists the event fields they come from). */
function fillTypeColumns(row: ClickHouseRow, event: TokenwardenEvent, detail: Fields): void {
  switch (event.type) {
    case 'TokenIssued': {
      const v = event.value;
      row.jti = v.jti;
      row.iss = v.iss;
      row.token_kind = v.token_kind;
      row.aud = v.aud;
      row.scope = v.scope;
      row.kid = v.kid;
      row.alg = v.alg;
      row.issued_at = nullableDateTime(detail, 'issued_at', v.issued_at);
      row.expires_at = nullableDateTime(detail, 'expires_at', v.expires_at);
      row.lifetime_seconds = nullableUInt32(detail, 'lifetime_seconds', v.lifetime_seconds);
      row.family_id = v.family_id ?? '';
      row.parent_jti = v.parent_jti ?? '';
      return;
    }
    case 'TokenValidated': {
      const v = event.value;
      row.jti = v.jti ?? '';
      row.iss = v.iss ?? '';
      row.outcome = v.outcome;
      row.reason = v.reason;
      row.alg = v.alg ?? '';
      row.kid = v.kid ?? '';
      return;
    }
    case 'TokenRevoked': {
      const v = event.value;
      row.jti = v.jti;
      row.iss = v.iss;
      row.token_kind = v.token_kind;
      row.reason = v.reason;
      row.family_id = v.family_id ?? '';
      row.expires_at = nullableDateTime(detail, 'expires_at', v.expires_at);
      return;
    }
    case 'IssuanceDenied': {
      const v = event.value;
      row.reason = v.reason;
      row.aud = v.requested_audience;
      row.scope = v.requested_scope;
      row.lifetime_seconds = nullableUInt32(detail, 'requested_lifetime_seconds', v.requested_lifetime_seconds);
      return;
    }
    case 'ConsentChanged':
      row.scope = event.value.scope;
      return;
    case 'SubjectErased':
      return;
    case 'KeyLifecycle': {
      const v = event.value;
      row.kid = v.kid;
      row.alg = v.alg;
      row.phase = v.phase;
      row.key_created_at = seconds(v.key_created_at);
      row.storage = v.storage;
      row.jwk_thumbprint = v.jwk_thumbprint;
      return;
    }
    case 'Alert': {
      const v = event.value;
      row.alert_id = v.alert_id;
      row.rule_id = v.rule_id;
      row.rule_version = v.rule_version;
      row.severity = v.severity;
      row.title = v.title;
      row.group_key = v.group_key;
      row.window_start = seconds(v.window_start);
      row.window_end = seconds(v.window_end);
      row.threshold = v.threshold;
      row.count = v.count;
      row.first_seen = seconds(v.first_seen);
      row.last_seen = seconds(v.last_seen);
      row.evidence_event_ids = v.evidence_event_ids;
      row.mitre_techniques = v.mitre_techniques;
      row.status = v.status;
      return;
    }
  }
}

/** DateTime('UTC') as unix seconds: RowBinary and JSONEachRow take them without any time-zone question. */
function seconds(ms: number): number {
  return Math.floor(ms / 1000);
}

/**
 * Every column of each table with its type, in the order of schemas/clickhouse
 * (the spec checks both): what inserts name, and how RowBinary writes each value.
 */
export const TABLE_SCHEMAS: Readonly<Record<ProjectorTable, Readonly<Record<string, string>>>> = Object.freeze({
  token_events: Object.freeze({
    event_id: 'String', event_type: 'String', event_time: "DateTime('UTC')", tenant_id: 'String', trace_id: 'String',
    session_id: 'Nullable(String)', subject_ref: 'String', client_id: 'String', ip: 'Nullable(String)', producer_service: 'String',
    producer_instance: 'String', producer_version: 'String', jti: 'String', iss: 'String', token_kind: 'String', outcome: 'String',
    reason: 'String', alg: 'String', kid: 'String', aud: 'Array(String)', scope: 'Array(String)', issued_at: "Nullable(DateTime('UTC'))",
    expires_at: "Nullable(DateTime('UTC'))", family_id: 'String', parent_jti: 'String', lifetime_seconds: 'Nullable(UInt32)', detail: 'String',
    ingested_at: "DateTime('UTC')",
  }),
  key_events: Object.freeze({
    event_id: 'String', event_time: "DateTime('UTC')", tenant_id: 'String', trace_id: 'String', session_id: 'Nullable(String)',
    subject_ref: 'String', client_id: 'String', ip: 'Nullable(String)', producer_service: 'String', producer_instance: 'String',
    producer_version: 'String', kid: 'String', alg: 'String', phase: 'String', key_created_at: "DateTime('UTC')", storage: 'String',
    jwk_thumbprint: 'String', detail: 'String', ingested_at: "DateTime('UTC')",
  }),
  alerts: Object.freeze({
    alert_id: 'String', event_id: 'String', event_time: "DateTime('UTC')", tenant_id: 'String', trace_id: 'String',
    session_id: 'Nullable(String)', subject_ref: 'String', client_id: 'String', ip: 'Nullable(String)', producer_service: 'String',
    producer_instance: 'String', producer_version: 'String', rule_id: 'String', rule_version: 'UInt32', severity: 'String', title: 'String',
    group_key: 'String', window_start: "DateTime('UTC')", window_end: "DateTime('UTC')", threshold: 'UInt64', count: 'UInt64',
    first_seen: "DateTime('UTC')", last_seen: "DateTime('UTC')", evidence_event_ids: 'Array(String)', mitre_techniques: 'Array(String)',
    status: 'String', detail: 'String', ingested_at: "DateTime('UTC')",
  }),
});

/** The column names of each table, in order. */
export const TABLE_COLUMNS: Readonly<Record<ProjectorTable, readonly string[]>> = Object.freeze({
  token_events: Object.freeze(Object.keys(TABLE_SCHEMAS.token_events)),
  key_events: Object.freeze(Object.keys(TABLE_SCHEMAS.key_events)),
  alerts: Object.freeze(Object.keys(TABLE_SCHEMAS.alerts)),
});
