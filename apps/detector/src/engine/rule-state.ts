import type { Alert } from '@tokenwarden/events';
import { fieldOf, FieldSpec, MatchableEvent, MatchableType } from '../rules/event-fields';
import { RuleDefinition } from '../rules/rule-definition';
import { alertIdOf, alignDown, Incident, MAX_EVIDENCE } from './incident';
import { EvictionReason, KeyTable } from './key-table';
import type { WindowCount } from './slot-ops';
import {
  addDistinct, addToRing, distinctInWindow, hasEvidence, oldestBucketStartMs, pushEvidence, readEvidence, ringStart, windowFor,
} from './slot-ops';

export interface RuleStateOptions {
  readonly rule: RuleDefinition;
  readonly allowedLatenessMs: number;
  readonly maxKeys: number;
  /** Event ids kept per key before an incident opens; default min(4, threshold). */
  readonly evidenceSlots?: number;
  readonly initialCapacity?: number;
}

export interface RuleCounters {
  late: number;
  /** Events whose id is among the key's recent evidence: redeliveries, not counted twice. */
  duplicates: number;
  noKey: number;
  suppressed: number;
  evictedIdle: number;
  evictedCap: number;
  opened: number;
}

/**
 * The state of one rule: per group key a ring of sub-bucket counts (a
 * sliding window accurate to one sub-bucket) and at most one incident.
 *
 * The newest event of a key is its watermark. An event is late, and
 * dropped, when every window holding it closed more than allowedLateness
 * before that watermark (it is older than watermark - window - lateness).
 * Otherwise it is counted in its sub-bucket, and `c` is the first window
 * holding it that reaches the threshold (else the largest). When c reaches
 * the threshold, an incident opens over that window; its alert id comes from
 * (rule, key, start of the aligned window-length period in which the window
 * ends). For cooldownSeconds after the window's end, further events of the
 * key that still meet the threshold join it (count + 1, last_seen, evidence)
 * instead of opening a new one.
 */
export class RuleState {
  readonly table: KeyTable;
  readonly incidents = new Map<string, Incident>();
  /** Incidents restored from the alerts topic whose key has not been seen since (no slot yet). */
  private readonly seeded = new Map<string, Incident>();
  readonly counters: RuleCounters = { late: 0, duplicates: 0, noKey: 0, suppressed: 0, evictedIdle: 0, evictedCap: 0, opened: 0 };
  readonly bucketMs: number;
  readonly windowMs: number;
  readonly cooldownMs: number;
  readonly latenessMs: number;
  private readonly groupBy = new Map<MatchableType, FieldSpec>();
  private readonly distinctOf = new Map<MatchableType, FieldSpec>();
  private readonly suppressed: ReadonlySet<string>;
  /** The group-key (and distinct-value) reader when every matched type shares it (header fields): no per-event lookup by type. */
  private readonly keyReader: FieldSpec['read'] | undefined;
  private readonly distinctReader: FieldSpec['read'] | undefined;
  private readonly isDistinct: boolean;
  /** The window of the event in hand (reused: one per rule, not one per event). */
  private readonly window: WindowCount = { count: 0, end: 0 };

  constructor(readonly rule: RuleDefinition, o: Omit<RuleStateOptions, 'rule'>) {
    this.windowMs = rule.windowSeconds * 1000;
    this.bucketMs = this.windowMs / rule.subBuckets;
    this.cooldownMs = rule.cooldownSeconds * 1000;
    this.latenessMs = o.allowedLatenessMs;
    for (const { type } of rule.match) {
      this.groupBy.set(type, fieldOf(type, rule.groupBy)!);
      if (rule.distinctField) this.distinctOf.set(type, fieldOf(type, rule.distinctField)!);
    }
    this.suppressed = new Set(rule.suppressKeys);
    this.isDistinct = rule.kind === 'distinct';
    this.keyReader = sharedReader(this.groupBy);
    this.distinctReader = sharedReader(this.distinctOf);
    this.table = new KeyTable({
      ringSize: rule.subBuckets + Math.ceil(o.allowedLatenessMs / this.bucketMs) + 1,
      evidenceSlots: o.evidenceSlots ?? Math.min(4, rule.threshold),
      distinctSlots: rule.kind === 'distinct' ? rule.maxDistinct : 0,
      maxKeys: o.maxKeys,
      initialCapacity: o.initialCapacity,
      onEvict: (key, reason) => this.onEvict(key, reason),
    });
  }

  /** How long a key must be quiet before forgetting it cannot change any later decision. */
  get idleHorizonMs(): number {
    return this.windowMs + this.latenessMs + this.cooldownMs;
  }

  /** Counts a matching event; returns the incident when its alert changed. */
  ingest(type: MatchableType, event: MatchableEvent): Incident | undefined {
    const key = (this.keyReader ?? this.groupBy.get(type)!.read)(event);
    if (typeof key !== 'string' || key.length === 0) {
      this.counters.noKey += 1;
      return undefined;
    }
    if (this.suppressed.size > 0 && this.suppressed.has(key)) {
      this.counters.suppressed += 1;
      return undefined;
    }
    let value: string | undefined;
    if (this.isDistinct) {
      const v = (this.distinctReader ?? this.distinctOf.get(type)!.read)(event);
      if (typeof v !== 'string' || v.length === 0) {
        this.counters.noKey += 1;
        return undefined;
      }
      value = v;
    }
    const t = event.header.event_time;
    const bucket = Math.floor(t / this.bucketMs);
    const known = this.table.slotOf(key);
    // Late: every window holding the event closed more than the allowed lateness ago (the key's newest event is its watermark).
    if (known >= 0 && (t <= this.table.newestMs[known] - this.windowMs - this.latenessMs || bucket < ringStart(this.table, known))) {
      this.counters.late += 1;
      return undefined;
    }
    if (known >= 0 && hasEvidence(this.table, known, event.header.event_id)) {
      this.counters.duplicates += 1;
      return undefined;
    }
    const slot = this.table.touch(key, known);
    addToRing(this.table, slot, bucket, t);
    const n = this.rule.subBuckets;
    if (value === undefined) {
      pushEvidence(this.table, slot, event.header.event_id, t);
      return this.decide(key, slot, t, windowFor(this.table, slot, bucket, n, this.rule.threshold, this.window), event);
    }
    if (!addDistinct(this.table, slot, value, bucket, n)) return undefined; // a value already counted
    pushEvidence(this.table, slot, event.header.event_id, t);
    this.window.count = distinctInWindow(this.table, slot, n);
    this.window.end = Math.max(bucket, this.table.headBucket[slot]);
    return this.decide(key, slot, t, this.window, event);
  }

  /** Drops keys whose newest event is older than `clockMs` minus the idle horizon, and restored incidents that closed. */
  evictIdle(clockMs: number): number {
    for (const [key, i] of this.seeded) if (i.closesAtMs + this.latenessMs < clockMs) this.seeded.delete(key);
    return this.table.evictIdle(clockMs - this.idleHorizonMs);
  }

  get openIncidents(): number {
    return this.incidents.size + this.seeded.size;
  }

  /**
   * Restores an incident from the newest version of its alert, as read back
   * from the alerts topic after a restart: the incident keeps its id, count
   * and cool-down, and events up to its last_seen are not counted again.
   */
  seed(a: Alert): void {
    const have = this.seeded.get(a.group_key) ?? this.incidents.get(a.group_key);
    if (have && (have.windowEndMs > a.window_end || (have.windowEndMs === a.window_end && have.count >= a.count))) return;
    this.seeded.set(a.group_key, {
      alertId: a.alert_id,
      ruleId: this.rule.id,
      groupKey: a.group_key,
      windowStartMs: a.window_start,
      windowEndMs: a.window_end,
      closesAtMs: a.window_end + this.cooldownMs,
      tenantId: a.header.tenant_id,
      firstSeenMs: a.first_seen,
      lastSeenMs: a.last_seen,
      count: a.count,
      evidence: [...a.evidence_event_ids],
      emittedCount: a.count,
      emittedAtMs: 0,
      countedThroughMs: a.last_seen,
    });
    this.incidents.delete(a.group_key);
  }

  private adoptSeeded(key: string): Incident | undefined {
    const i = this.seeded.get(key);
    if (i) {
      this.seeded.delete(key);
      this.incidents.set(key, i);
    }
    return i;
  }

  private decide(key: string, slot: number, t: number, w: WindowCount, event: MatchableEvent): Incident | undefined {
    // Most keys never raise anything: skip the Map lookups while nothing is open or restored.
    const open = (this.incidents.size > 0 ? this.incidents.get(key) : undefined) ?? (this.seeded.size > 0 ? this.adoptSeeded(key) : undefined);
    const c = w.count;
    const bucket = w.end;
    const meets = c >= this.rule.threshold;
    if (open && t < open.closesAtMs) {
      // In the crossing window (a late event of it) or after it and still over the threshold: part of this incident.
      if (t < open.windowStartMs || !(meets || t < open.windowEndMs)) return undefined;
      return this.absorb(open, t, event.header.event_id);
    }
    if (!meets || (open && t < open.windowEndMs)) return undefined;
    const windowEndMs = (bucket + 1) * this.bucketMs;
    const windowStartMs = windowEndMs - this.windowMs;
    const evidence = readEvidence(this.table, slot, windowStartMs, windowEndMs);
    const complete = evidence.length >= c;
    const incident: Incident = {
      alertId: alertIdOf(this.rule.id, key, alignDown(bucket * this.bucketMs, this.windowMs)),
      ruleId: this.rule.id,
      groupKey: key,
      windowStartMs,
      windowEndMs,
      closesAtMs: windowEndMs + this.cooldownMs,
      tenantId: event.header.tenant_id,
      // With every window event at hand first_seen is exact, else accurate to one sub-bucket.
      firstSeenMs: complete && evidence.length > 0 ? evidence[0].timeMs
        : oldestBucketStartMs(this.table, slot, bucket, this.rule.subBuckets, this.bucketMs),
      lastSeenMs: Math.max(t, ...evidence.map((e) => e.timeMs)),
      count: c,
      evidence: evidence.slice(-MAX_EVIDENCE).map((e) => e.id),
      emittedCount: 0,
      emittedAtMs: 0,
    };
    this.incidents.set(key, incident);
    this.counters.opened += 1;
    return incident;
  }

  private absorb(i: Incident, t: number, eventId: string): Incident | undefined {
    const through = i.countedThroughMs;
    if (through !== undefined && (t < through || (t === through && (i.evidence.includes(eventId) || i.evidence.length >= MAX_EVIDENCE)))) {
      return undefined; // already in the restored count
    }
    i.count += 1;
    if (t > i.lastSeenMs) i.lastSeenMs = t;
    if (t < i.firstSeenMs) i.firstSeenMs = t;
    if (i.evidence.length < MAX_EVIDENCE && !i.evidence.includes(eventId)) i.evidence.push(eventId);
    return i;
  }

  private onEvict(key: string, reason: EvictionReason): void {
    this.incidents.delete(key);
    if (reason === 'idle') this.counters.evictedIdle += 1;
    else this.counters.evictedCap += 1;
  }
}

/** The one reader all types use (header fields are the same FieldSpec for every type), else undefined. */
function sharedReader(byType: ReadonlyMap<MatchableType, FieldSpec>): FieldSpec['read'] | undefined {
  const specs = new Set(byType.values());
  return specs.size === 1 ? [...specs][0].read : undefined;
}
