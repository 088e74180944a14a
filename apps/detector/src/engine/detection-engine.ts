import type { Alert, ProducerInfo, TokenwardenEvent } from '@tokenwarden/events';
import type { Policy } from '@tokenwarden/policy';
import { MatchableEvent, MatchableType } from '../rules/event-fields';
import { RuleSet } from '../rules/rule-definition';
import { compileMatch, EventPredicate, MATCH_ALL } from '../rules/rule-matcher';
import { Incident, toAlert } from './incident';
import { KeyRegistry } from './key-registry';
import { RuleCounters, RuleState } from './rule-state';

export interface DetectionEngineOptions {
  readonly rules: RuleSet;
  readonly policy: Policy;
  readonly producer: ProducerInfo;
  /** Cap on tracked keys per rule. */
  readonly maxKeysPerRule: number;
  /** Wall clock, only to keep a producer with a clock far ahead from dragging idle eviction forward. */
  readonly now?: () => number;
  readonly maxFutureMs?: number;
  readonly keys?: KeyRegistry;
  readonly evidenceSlots?: number;
  readonly initialCapacity?: number;
}

/** An alert version ready to publish; `commit` records it as emitted once Kafka acknowledged it. */
export interface PendingAlert {
  readonly alert: Alert;
  /** Wall-clock ms of the alert's previous publish (0: never). */
  readonly emittedAtMs: number;
  readonly commit: (nowMs: number) => void;
}

export interface RuleStats extends RuleCounters {
  readonly ruleId: string;
  readonly trackedKeys: number;
  readonly incidents: number;
}

interface Route {
  readonly state: RuleState;
  /** undefined: the rule takes every event of the type. */
  readonly match: EventPredicate | undefined;
}

/**
 * Runs every rule over a stream of decoded events. Plain class: no I/O, no
 * wall-clock windows (event time only), so tests and replays drive it
 * directly. Alerts are pulled with `pending()`: only incidents whose count
 * changed since they were last committed, one version per alert.
 */
export class DetectionEngine {
  readonly keys: KeyRegistry;
  private ruleStates: readonly RuleState[] = [];
  private readonly routes = new Map<MatchableType, Route[]>();
  private readonly byId = new Map<string, RuleState>();
  private readonly dirty = new Map<Incident, RuleState>();
  private readonly now: () => number;
  private readonly maxFutureMs: number;
  private clock = -Infinity;
  /** Wall clock + maxFuture when last read: event times up to it move the clock as they are. */
  private clockCapMs = -Infinity;
  private eventsSeen = 0;

  constructor(private readonly o: DetectionEngineOptions) {
    this.keys = o.keys ?? new KeyRegistry();
    this.now = o.now ?? Date.now;
    this.maxFutureMs = o.maxFutureMs ?? 300_000;
    this.reset();
  }

  get states(): readonly RuleState[] {
    return this.ruleStates;
  }

  /** Drops all window and incident state (not the key registry): before a replay is run again. */
  reset(): void {
    const { o } = this;
    const latenessMs = o.rules.allowedLatenessSeconds * 1000;
    this.ruleStates = o.rules.rules.map((rule) => new RuleState(rule, {
      allowedLatenessMs: latenessMs, maxKeys: o.maxKeysPerRule, evidenceSlots: o.evidenceSlots, initialCapacity: o.initialCapacity,
    }));
    this.routes.clear();
    this.byId.clear();
    this.dirty.clear();
    this.clock = -Infinity;
    for (const state of this.ruleStates) {
      this.byId.set(state.rule.id, state);
      for (const [type, match] of compileMatch(state.rule, { policy: o.policy, keys: this.keys })) {
        this.routes.set(type, [...(this.routes.get(type) ?? []), { state, match: match === MATCH_ALL ? undefined : match }]);
      }
    }
  }

  /** Newest event time seen (capped at wall clock + maxFuture): the clock idle eviction runs on. */
  get clockMs(): number {
    return this.clock;
  }

  get events(): number {
    return this.eventsSeen;
  }

  /** Feeds one event to the rules of its type; true when it raised an alert (a new incident, not published yet). */
  ingest(e: TokenwardenEvent): boolean {
    this.eventsSeen += 1;
    const t = e.value.header.event_time;
    if (t > this.clock) {
      // The wall clock only moves forward: read it only when t passes the cap read last time.
      if (t > this.clockCapMs) this.clockCapMs = this.now() + this.maxFutureMs;
      this.clock = Math.min(t, Math.max(this.clock, this.clockCapMs));
    }
    if (e.type === 'KeyLifecycle') {
      this.keys.observe(e.value);
      return false;
    }
    // Only matchable types have routes; each route list is fixed at reset(), in rule order.
    const routes = this.routes.get(e.type as MatchableType);
    if (routes === undefined) return false;
    const type = e.type as MatchableType;
    const value = e.value as MatchableEvent;
    let raised = false;
    for (let i = 0; i < routes.length; i++) {
      const { state, match } = routes[i];
      if (match !== undefined && !match(value)) continue;
      const changed = state.ingest(type, value);
      if (changed === undefined) continue;
      const before = this.dirty.size;
      this.dirty.set(changed, state);
      // Newly pending and never published: an alert to send now, not a follow-up to an incident already on its way.
      if (this.dirty.size > before && changed.emittedCount === 0) raised = true;
    }
    return raised;
  }

  /**
   * The current version of every alert that changed since its last commit
   * (by default), or of those due: every alert never published, plus up to
   * `maxUpdates` follow-ups last published at or before `updatedBeforeMs`.
   * Only due alerts are built; a committed follow-up that changed again
   * queues behind the others, so a cap serves all of them in turn.
   */
  pending(due: { updatedBeforeMs: number; maxUpdates: number } = { updatedBeforeMs: Infinity, maxUpdates: Infinity }): PendingAlert[] {
    const out: PendingAlert[] = [];
    let updates = 0;
    for (const [incident, state] of this.dirty) {
      if (incident.count <= incident.emittedCount) {
        this.dirty.delete(incident);
        continue;
      }
      if (incident.emittedCount > 0 && (incident.emittedAtMs > due.updatedBeforeMs || updates++ >= due.maxUpdates)) continue;
      const alert = toAlert(state.rule, incident, this.o.producer);
      out.push({
        alert,
        emittedAtMs: incident.emittedAtMs,
        commit: (nowMs) => {
          if (alert.count > incident.emittedCount) incident.emittedCount = alert.count;
          incident.emittedAtMs = nowMs;
          this.dirty.delete(incident);
          if (incident.count > incident.emittedCount) this.dirty.set(incident, state);
        },
      });
    }
    return out;
  }

  /**
   * Restores open incidents from alerts read back from the alerts topic
   * (any order, several versions each): the newest version of each wins.
   * Call before replaying token events. Returns how many were restored.
   */
  seed(alerts: Iterable<Alert>): number {
    const newest = new Map<string, Alert>();
    for (const a of alerts) {
      const have = newest.get(a.alert_id);
      if (!have || a.count > have.count) newest.set(a.alert_id, a);
    }
    let n = 0;
    for (const a of newest.values()) {
      const state = this.byId.get(a.rule_id);
      if (!state) continue;
      state.seed(a);
      n += 1;
    }
    return n;
  }

  /** Forgets keys that have been quiet longer than their rule's window + lateness + cool-down. */
  evictIdle(): number {
    if (this.clock === -Infinity) return 0;
    return this.states.reduce((n, s) => n + s.evictIdle(this.clock), 0);
  }

  stats(): RuleStats[] {
    return this.states.map((s) => ({
      ruleId: s.rule.id, trackedKeys: s.table.size, incidents: s.openIncidents, ...s.counters,
    }));
  }
}
