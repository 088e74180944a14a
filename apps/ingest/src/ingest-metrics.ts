import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Prometheus metrics of one ingest process. Label values come from the
 * producers file and fixed code lists only, never from request content, so
 * a hostile client cannot blow up the series count.
 */
export class IngestMetrics {
  readonly registry = new Registry();
  readonly accepted: Counter<'producer' | 'type'>;
  readonly duplicates: Counter<'producer'>;
  readonly rejected: Counter<'reason'>;
  readonly rateLimited: Counter<'producer'>;
  readonly skipped: Counter<'source' | 'type'>;
  readonly parked: Counter<'source' | 'code'>;
  readonly publishSeconds: Histogram;

  constructor(defaults = true) {
    const registers = [this.registry];
    if (defaults) collectDefaultMetrics({ register: this.registry, prefix: 'tw_ingest_' });
    this.accepted = new Counter({ name: 'tw_ingest_events_accepted_total', help: 'Events published and acknowledged by Kafka (duplicates excluded).', labelNames: ['producer', 'type'], registers });
    this.duplicates = new Counter({ name: 'tw_ingest_events_duplicate_total', help: 'Events of retried requests not published again (already acknowledged).', labelNames: ['producer'], registers });
    this.rejected = new Counter({ name: 'tw_ingest_requests_rejected_total', help: 'Requests refused, by reason (bad_body, unauthenticated, forbidden, invalid, too_large, rate_limited, unavailable, ...).', labelNames: ['reason'], registers });
    this.rateLimited = new Counter({ name: 'tw_ingest_rate_limited_total', help: 'Requests refused with 429 by producer.', labelNames: ['producer'], registers });
    this.skipped = new Counter({ name: 'tw_ingest_source_events_skipped_total', help: 'Adapter source events recognised but stating no token fact (e.g. browser LOGIN).', labelNames: ['source', 'type'], registers });
    this.parked = new Counter({ name: 'tw_ingest_source_events_parked_total', help: 'Adapter source events parked on dead-letters, by reason code.', labelNames: ['source', 'code'], registers });
    this.publishSeconds = new Histogram({ name: 'tw_ingest_publish_duration_seconds', help: 'Time from publish to Kafka acknowledgement per request.', buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
