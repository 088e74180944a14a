import { PartitionCounters, registerPartitionMetrics } from '@tokenwarden/kafka';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { RuleStats } from './engine/detection-engine';

export interface MetricSources {
  rules: () => RuleStats[];
  slabBytes: () => Record<string, number>;
  partitions: () => Record<string, PartitionCounters>;
  eventClockMs: () => number;
}

/**
 * Prometheus metrics of one detector process. Per-rule state (tracked keys,
 * evictions, late events) is read from the engine at scrape time; what the
 * runtime does (alerts emitted, records replayed) is counted as it happens.
 */
export class DetectorMetrics {
  readonly registry = new Registry();
  private readonly alerts: Counter;
  /** Events per type not yet added to tw_detector_events_total: prom-client hashes the labels on every inc, too dear per event. */
  private readonly eventTally = new Map<string, { n: number }>();
  private readonly undecodable: Counter;
  private readonly replayed: Counter;
  private readonly replaySeconds: Gauge;
  private readonly seeded: Gauge;

  constructor(src: MetricSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'tw_detector_' });
    const perRule = (name: string, help: string, pick: (s: RuleStats) => number, type: 'counter' | 'gauge', extra: Record<string, string> = {}) => {
      const labelNames = ['rule', ...Object.keys(extra)];
      const collect = function (this: Counter | Gauge) {
        this.reset();
        for (const s of src.rules()) {
          const labels = { rule: s.ruleId, ...extra };
          if (this instanceof Counter) this.inc(labels, pick(s));
          else this.set(labels, pick(s));
        }
      };
      return type === 'counter' ? new Counter({ name, help, labelNames, registers, collect }) : new Gauge({ name, help, labelNames, registers, collect });
    };
    perRule('tw_detector_tracked_keys', 'Group keys with window state, per rule.', (s) => s.trackedKeys, 'gauge');
    perRule('tw_detector_open_incidents', 'Incidents still absorbing follow-ups (within their cool-down), per rule.', (s) => s.incidents, 'gauge');
    new Counter({
      name: 'tw_detector_key_evictions_total', help: 'Keys forgotten: idle (quiet past window + lateness + cool-down) or cap (over TW_DETECTOR_MAX_KEYS_PER_RULE).',
      labelNames: ['rule', 'reason'], registers,
      collect() {
        this.reset();
        for (const s of src.rules()) {
          this.inc({ rule: s.ruleId, reason: 'idle' }, s.evictedIdle);
          this.inc({ rule: s.ruleId, reason: 'cap' }, s.evictedCap);
        }
      },
    });
    perRule('tw_detector_late_events_total', 'Events dropped for arriving later than the allowed lateness.', (s) => s.late, 'counter');
    perRule('tw_detector_duplicate_events_total', 'Redelivered events recognised and not counted twice.', (s) => s.duplicates, 'counter');
    perRule('tw_detector_events_without_key_total', 'Matching events without a value for the rule\'s group key.', (s) => s.noKey, 'counter');
    perRule('tw_detector_incidents_opened_total', 'Incidents opened (replayed ones included).', (s) => s.opened, 'counter');
    new Gauge({
      name: 'tw_detector_state_bytes', help: 'Bytes of the per-key typed arrays, per rule (Map and key strings on top).',
      labelNames: ['rule'], registers,
      collect() {
        this.reset();
        for (const [rule, bytes] of Object.entries(src.slabBytes())) this.set({ rule }, bytes);
      },
    });
    registerPartitionMetrics(this.registry, src.partitions, [
      { name: 'tw_detector_consumer_lag', help: 'Records behind the high watermark at the last fetch.', type: 'gauge', pick: (c) => c.lag },
    ]);
    new Gauge({
      name: 'tw_detector_event_clock_seconds', help: 'Newest event time seen (the clock windows and eviction run on).', registers,
      collect() {
        const ms = src.eventClockMs();
        this.set(Number.isFinite(ms) ? ms / 1000 : 0);
      },
    });
    this.alerts = new Counter({ name: 'tw_detector_alerts_total', help: 'Alert versions published: status OPEN (raised) or UPDATED.', labelNames: ['rule', 'status'], registers });
    const eventTally = this.eventTally;
    new Counter({
      name: 'tw_detector_events_total', help: 'Events fed to the rules, by type (start-up replay included).', labelNames: ['type'], registers,
      collect() {
        for (const [type, tally] of eventTally) {
          if (tally.n > 0) this.inc({ type }, tally.n);
          tally.n = 0;
        }
      },
    });
    this.undecodable = new Counter({ name: 'tw_detector_records_undecodable_total', help: 'Records skipped as undecodable (the projector dead-letters them).', labelNames: ['code'], registers });
    this.replayed = new Counter({ name: 'tw_detector_replay_records_total', help: 'Records replayed at start to rebuild state.', labelNames: ['topic'], registers });
    this.replaySeconds = new Gauge({ name: 'tw_detector_replay_duration_seconds', help: 'How long the start-up replay took.', registers });
    this.seeded = new Gauge({ name: 'tw_detector_restored_incidents', help: 'Open incidents restored from the alerts topic at start.', registers });
  }

  alertPublished(rule: string, status: string): void {
    this.alerts.inc({ rule, status });
  }

  event(type: string): void {
    // Called per event: a plain tally, added to the counter when it is read.
    const tally = this.eventTally.get(type);
    if (tally === undefined) this.eventTally.set(type, { n: 1 });
    else tally.n += 1;
  }

  undecodableRecord(code: string): void {
    this.undecodable.inc({ code });
  }

  replay(topic: string, records: number): void {
    this.replayed.inc({ topic }, records);
  }

  replayDone(seconds: number, restoredIncidents: number): void {
    this.replaySeconds.set(seconds);
    this.seeded.set(restoredIncidents);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
