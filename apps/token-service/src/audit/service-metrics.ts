import { Counter, Gauge, Registry } from 'prom-client';
import type { Log } from '@tokenwarden/config';

/** One structured log line; fields never carry tokens, secrets or raw subjects. */

export const silentLog: Log = () => undefined;

/**
 * Prometheus metrics of one token-service process (served at /metrics). One
 * registry per instance, so two instances in one test process do not collide.
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  /** Events acknowledged by Kafka, by event type. */
  readonly published: Counter<'type'>;
  /** Best-effort events (validation, denials) Kafka never took: the audit loss operators must see. */
  readonly lost: Counter<'type'>;
  /** Requests answered 503 because their audit event could not be published. */
  readonly unaudited: Counter<'operation'>;
  /** Security events (reuse revocations, replayed erasures) waiting in the retry outbox. */
  readonly outboxPending: Gauge;
  readonly revocationsMaterialized: Gauge;
  readonly validations: Counter<'outcome' | 'reason'>;

  constructor() {
    const registers = [this.registry];
    this.published = new Counter({ name: 'tw_token_audit_events_published_total', help: 'Audit events acknowledged by Kafka.', labelNames: ['type'], registers });
    this.lost = new Counter({ name: 'tw_token_audit_events_lost_total', help: 'Best-effort audit events Kafka did not take (validation, denials).', labelNames: ['type'], registers });
    this.unaudited = new Counter({ name: 'tw_token_requests_unaudited_total', help: 'Requests refused with 503 because their event could not be published.', labelNames: ['operation'], registers });
    this.outboxPending = new Gauge({ name: 'tw_token_audit_outbox_pending', help: 'Security events waiting to be retried.', registers });
    this.revocationsMaterialized = new Gauge({ name: 'tw_token_revocations_materialized', help: 'Live (iss, jti) revocations and erasure markers held in memory.', registers });
    this.validations = new Counter({ name: 'tw_token_validations_total', help: 'Validation verdicts.', labelNames: ['outcome', 'reason'], registers });
  }
}
