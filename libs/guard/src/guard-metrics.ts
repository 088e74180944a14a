import { Counter, Gauge, Registry } from 'prom-client';

/** Prometheus metrics of one guard (one registry per guard, so several in one process do not collide). */
export class GuardMetrics {
  readonly registry = new Registry();
  readonly decisions: Counter<'outcome' | 'reason'>;
  /** Events acknowledged by Kafka. */
  readonly auditPublished: Counter;
  /** Events dropped because the buffer was full (Kafka down or too slow): the audit loss operators must see. */
  readonly auditDropped: Counter;
  readonly auditPublishFailures: Counter;
  readonly auditBuffered: Gauge;
  readonly jwksFetchFailures: Counter;
  /** Age of the served key set in seconds (-1 before the first successful fetch). */
  readonly jwksAgeSeconds: Gauge;
  readonly revocationsMaterialized: Gauge;

  constructor(sample: { buffered: () => number; jwksAgeMs: () => number | undefined; revocations: () => number }) {
    const registers = [this.registry];
    this.decisions = new Counter({ name: 'tw_guard_decisions_total', help: 'Token decisions of the guard.', labelNames: ['outcome', 'reason'], registers });
    this.auditPublished = new Counter({ name: 'tw_guard_audit_events_published_total', help: 'TokenValidated events acknowledged by Kafka.', registers });
    this.auditDropped = new Counter({ name: 'tw_guard_audit_events_dropped_total', help: 'TokenValidated events dropped (oldest first) because the buffer was full.', registers });
    this.auditPublishFailures = new Counter({ name: 'tw_guard_audit_publish_failures_total', help: 'Failed batch publishes (retried).', registers });
    this.auditBuffered = new Gauge({ name: 'tw_guard_audit_events_buffered', help: 'TokenValidated events waiting for Kafka.', registers, collect() { this.set(sample.buffered()); } });
    this.jwksFetchFailures = new Counter({ name: 'tw_guard_jwks_fetch_failures_total', help: 'Failed JWKS fetches.', registers });
    this.jwksAgeSeconds = new Gauge({
      name: 'tw_guard_jwks_age_seconds', help: 'Age of the cached key set.', registers,
      collect() { const ms = sample.jwksAgeMs(); this.set(ms === undefined ? -1 : ms / 1000); },
    });
    this.revocationsMaterialized = new Gauge({ name: 'tw_guard_revocations_materialized', help: 'Revocations and erasure markers held in memory.', registers, collect() { this.set(sample.revocations()); } });
  }
}
