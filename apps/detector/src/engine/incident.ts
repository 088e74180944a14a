import { createHash } from 'node:crypto';
import type { Alert, ProducerInfo } from '@tokenwarden/events';
import type { RuleDefinition } from '../rules/rule-definition';

/** Most evidence event ids one alert carries (oldest first). */
export const MAX_EVIDENCE = 20;

/**
 * One incident of one rule for one group key: what its alert says. `count`
 * only grows, so it doubles as the version of the alert (the projector's
 * alerts table keeps the highest count per alert_id).
 */
export interface Incident {
  readonly alertId: string;
  readonly ruleId: string;
  readonly groupKey: string;
  /**
   * The sliding window (whole sub-buckets) in which the threshold was
   * crossed: it ends with the sub-bucket of the crossing event. Fixed for
   * the incident's life, so every version of its alert carries the same.
   */
  readonly windowStartMs: number;
  readonly windowEndMs: number;
  /** Follow-ups join the incident until windowEnd + cooldown (event time). */
  readonly closesAtMs: number;
  readonly tenantId: string;
  /**
   * Set on an incident restored from the alerts topic: events up to this
   * event_time are already in its count, so they are not counted again.
   */
  countedThroughMs?: number;
  firstSeenMs: number;
  lastSeenMs: number;
  count: number;
  evidence: string[];
  /** count of the last version handed out for publishing (0: never). */
  emittedCount: number;
  /** Wall-clock ms when that version was published (0: never): paces follow-up versions. */
  emittedAtMs: number;
}

/** Start of the window-aligned period containing `ms` (the anchor of alert ids). */
export const alignDown = (ms: number, periodMs: number): number => Math.floor(ms / periodMs) * periodMs;

/**
 * Deterministic alert id: SHA-256 over (rule id, group key, start of the
 * window-aligned period in which the threshold was crossed), 32 hex digits.
 * A replay or restart computes the same id.
 */
export function alertIdOf(ruleId: string, groupKey: string, windowStartMs: number): string {
  return createHash('sha256').update(`${ruleId}\u0000${groupKey}\u0000${windowStartMs}`).digest('hex').slice(0, 32);
}

/**
 * event_id of one alert version: a UUID (version 5 layout) derived from the
 * alert id and its count, so re-emitting the same version carries the same
 * event id and collapses downstream.
 */
export function alertEventId(alertId: string, count: number): string {
  const h = createHash('sha256').update(`${alertId}\u0000${count}`).digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

const HEADER_KEYS = new Set(['subject_ref', 'client_id', 'ip']);

/** The Alert event for the incident's current state. */
export function toAlert(rule: RuleDefinition, i: Incident, producer: ProducerInfo): Alert {
  const headerKey = (name: string): string | null => (rule.groupBy === name && HEADER_KEYS.has(name) ? i.groupKey : null);
  return {
    header: {
      event_id: alertEventId(i.alertId, i.count),
      event_time: i.lastSeenMs,
      producer,
      tenant_id: i.tenantId,
      trace_id: null,
      session_id: null,
      subject_ref: headerKey('subject_ref'),
      client_id: headerKey('client_id'),
      ip: headerKey('ip'),
    },
    alert_id: i.alertId,
    rule_id: rule.id,
    rule_version: rule.version,
    severity: rule.severity,
    title: rule.title,
    group_key: i.groupKey,
    window_start: i.windowStartMs,
    window_end: i.windowEndMs,
    threshold: rule.threshold,
    count: i.count,
    first_seen: i.firstSeenMs,
    last_seen: i.lastSeenMs,
    evidence_event_ids: [...i.evidence],
    mitre_techniques: [...rule.mitre],
    status: i.emittedCount === 0 ? 'OPEN' : 'UPDATED',
  };
}
