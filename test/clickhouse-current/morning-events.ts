import { EventHeader, TokenwardenEvent } from '@tokenwarden/events';
import { alertRedelivered, alerts, keyEvents, keyRedelivered, redelivered, tokenEvents } from '../analyst/dataset';

// The analyst morning of test/analyst/dataset.ts (the data the 15 saved
// queries are pinned against) is written as rows. Here each row becomes the
// event the projector would have decoded to write it: columns back into
// fields, `detail` back into the fields without a column, seconds back into
// milliseconds, '' back into null where the field is nullable. The test proves
// the round trip: these events, through the codec and the projector's own row
// mapping, give the dataset's rows again.

type Row = Readonly<Record<string, unknown>>;

const ms = (seconds: unknown): number => (seconds as number) * 1000;
const orNull = (s: unknown): string | null => (s === '' ? null : (s as string));

function header(r: Row): EventHeader {
  return {
    event_id: r.event_id as string,
    event_time: ms(r.event_time),
    producer: { service: r.producer_service as string, instance: r.producer_instance as string, version: r.producer_version as string },
    tenant_id: r.tenant_id as string,
    trace_id: orNull(r.trace_id),
    session_id: r.session_id as string | null,
    subject_ref: orNull(r.subject_ref),
    client_id: orNull(r.client_id),
    ip: r.ip as string | null,
  };
}

function tokenEvent(r: Row): TokenwardenEvent {
  const base = { header: header(r), ...(JSON.parse(r.detail as string) as Row) };
  switch (r.event_type) {
    case 'TokenIssued':
      return { type: 'TokenIssued', value: { ...base, jti: r.jti, iss: r.iss, token_kind: r.token_kind, aud: r.aud, scope: r.scope, kid: r.kid,
        alg: r.alg, issued_at: ms(r.issued_at), expires_at: ms(r.expires_at), lifetime_seconds: r.lifetime_seconds,
        family_id: orNull(r.family_id), parent_jti: orNull(r.parent_jti) } } as TokenwardenEvent;
    case 'TokenValidated':
      return { type: 'TokenValidated', value: { ...base, jti: orNull(r.jti), iss: orNull(r.iss), outcome: r.outcome, reason: r.reason,
        alg: orNull(r.alg), kid: orNull(r.kid) } } as TokenwardenEvent;
    case 'TokenRevoked':
      return { type: 'TokenRevoked', value: { ...base, jti: r.jti, iss: r.iss, token_kind: r.token_kind, reason: r.reason,
        family_id: orNull(r.family_id), expires_at: ms(r.expires_at) } } as TokenwardenEvent;
    case 'IssuanceDenied':
      return { type: 'IssuanceDenied', value: { ...base, reason: r.reason, requested_audience: r.aud, requested_scope: r.scope,
        requested_lifetime_seconds: r.lifetime_seconds } } as TokenwardenEvent;
    case 'SubjectErased':
      return { type: 'SubjectErased', value: base } as TokenwardenEvent;
    default:
      throw new Error(`no event mapping for a ${String(r.event_type)} row`);
  }
}

const keyEvent = (r: Row): TokenwardenEvent => ({
  type: 'KeyLifecycle',
  value: { header: header(r), kid: r.kid, alg: r.alg, phase: r.phase, key_created_at: ms(r.key_created_at), storage: r.storage,
    jwk_thumbprint: r.jwk_thumbprint, ...(JSON.parse(r.detail as string) as Row) },
}) as TokenwardenEvent;

const alertEvent = (r: Row): TokenwardenEvent => ({
  type: 'Alert',
  value: { header: header(r), alert_id: r.alert_id, rule_id: r.rule_id, rule_version: r.rule_version, severity: r.severity,
    title: r.title, group_key: r.group_key, window_start: ms(r.window_start), window_end: ms(r.window_end), threshold: r.threshold,
    count: r.count, first_seen: ms(r.first_seen), last_seen: ms(r.last_seen), evidence_event_ids: r.evidence_event_ids,
    mitre_techniques: r.mitre_techniques, status: r.status, ...(JSON.parse(r.detail as string) as Row) },
}) as TokenwardenEvent;

/** One delivery of the morning: the dataset row and the event that writes it. */
export interface MorningEvent {
  readonly row: Row;
  readonly event: TokenwardenEvent;
}

const pair = (toEvent: (r: Row) => TokenwardenEvent) => (row: Row): MorningEvent => ({ row, event: toEvent(row) });

/** First deliveries of every table, in dataset order. */
export const firstDeliveries: readonly MorningEvent[] = [
  ...tokenEvents.map(pair(tokenEvent)),
  ...keyEvents.map(pair(keyEvent)),
  ...alerts.map(pair(alertEvent)),
];

/** The same events delivered again (the dataset's redeliveries, including an alert version that must not win). */
export const redeliveries: readonly MorningEvent[] = [
  ...redelivered.map(pair(tokenEvent)),
  ...keyRedelivered.map(pair(keyEvent)),
  ...alertRedelivered.map(pair(alertEvent)),
];
