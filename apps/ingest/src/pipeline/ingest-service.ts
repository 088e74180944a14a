import { DLQ_HEADERS, OutgoingRecord, TopicNames } from '@tokenwarden/kafka';
import { RuleOptions } from '../contract/contract-rules';
import { EncodedEvent, EventContract, recordOf } from '../contract/event-contract';
import { FieldProblem } from '../contract/json-to-avro';
import { redactSourceEvent } from '../adapters/redact';
import { AdapterContext, SourceAdapter, SourceOutcome, SubjectPseudonyms } from '../adapters/source-adapter';
import { EventError, IngestError } from '../ingest-error';
import { IngestMetrics } from '../ingest-metrics';
import { ProducerAuthenticator, presentedKey } from '../producers/producer-auth';
import { ProducerConfig, ProducerEndpoint } from '../producers/producer-config';
import { IdempotentPublisher, Keyed } from './idempotent-publisher';
import { ProducerRateLimiter } from './token-bucket';

export interface IngestServiceOptions {
  readonly contract: EventContract;
  readonly topics: TopicNames;
  readonly authenticator: ProducerAuthenticator;
  readonly limiter: ProducerRateLimiter;
  readonly publisher: IdempotentPublisher;
  readonly metrics: IngestMetrics;
  readonly adapters: Readonly<Record<'keycloak' | 'auth0', SourceAdapter>>;
  readonly pseudonyms: SubjectPseudonyms;
  readonly instanceId: string;
  readonly maxEventsPerRequest: number;
  readonly maxFutureMs: number;
  readonly now: () => number;
}

/** Answer of POST /v1/events: every id now acknowledged by Kafka, and which of them were there already. */
export interface EventsAccepted {
  readonly accepted: string[];
  readonly duplicates: string[];
}

/** Answer of an adapter endpoint: what became of each kind of source event. */
export interface SourceAccepted extends EventsAccepted {
  readonly received: number;
  readonly skipped: number;
  readonly parked: number;
}

/**
 * Decides what happens to a request: who the producer is, whether it may
 * send now, whether every event keeps the contract and the producer's
 * grants, and publishing (each event id once) before answering.
 */
export class IngestService {
  constructor(private readonly o: IngestServiceOptions) {}

  /** Authenticates, checks the key opens this endpoint, and refuses early when the producer's bucket is empty. */
  admit(headers: Record<string, string | string[] | undefined>, endpoint: ProducerEndpoint): ProducerConfig {
    const producer = this.o.authenticator.authenticate(presentedKey(headers));
    if (!producer) throw new IngestError('ERR_INGEST_UNAUTHENTICATED', 'send the API key as "Authorization: Bearer <key>" or "X-Api-Key: <key>"');
    if (producer.endpoint !== endpoint) throw new IngestError('ERR_INGEST_FORBIDDEN', `this API key is for the ${producer.endpoint} endpoint`);
    const admission = this.o.limiter.peek(producer.id, producer.rateLimit);
    if (!admission.ok) this.rateLimited(producer, admission.retryAfterSeconds);
    return producer;
  }

  async acceptEvents(producer: ProducerConfig, body: unknown): Promise<EventsAccepted> {
    const items = this.batch(producer, body);
    const rules = this.rules(true);
    const errors: EventError[] = [];
    let forbidden = false;
    const events: EncodedEvent[] = [];
    items.forEach((item, index) => {
      const push = (problems: readonly FieldProblem[], prefix: string) => errors.push(...problems.map((p) => ({ index, path: `${prefix}${p.path}`, message: p.message })));
      if (item === null || typeof item !== 'object' || Array.isArray(item)) {
        push([{ path: '(root)', message: 'must be an object {"type": ..., "event": {...}}' }], '');
        return;
      }
      const envelope = item as Record<string, unknown>;
      push(Object.keys(envelope).filter((k) => k !== 'type' && k !== 'event').map((k) => ({ path: k, message: 'is not part of the envelope {type, event}' })), '');
      const grants = this.grantProblems(producer, envelope.event);
      forbidden ||= grants.length > 0;
      push(grants, 'event.');
      const checked = this.o.contract.checkJson(envelope.type, envelope.event, rules);
      if (checked.ok) events.push(checked.event);
      else push(checked.problems, checked.refusedType ? '' : 'event.');
    });
    if (errors.length > 0) {
      throw forbidden
        ? new IngestError('ERR_INGEST_FORBIDDEN', 'events name a producer service or tenant this API key may not write for; none was published', { errors })
        : new IngestError('ERR_INGEST_INVALID_EVENTS', `${new Set(errors.map((e) => e.index)).size} of ${items.length} events are invalid; none was published`, { errors });
    }
    const report = await this.publish(producer, events.map((e) => ({ id: e.value.header.event_id, record: recordOf(e, this.o.topics) })));
    events.forEach((e) => report.published.includes(e.value.header.event_id) && this.o.metrics.accepted.inc({ producer: producer.id, type: e.type }));
    return { accepted: [...new Set(events.map((e) => e.value.header.event_id))], duplicates: report.duplicates };
  }

  async acceptSource(producer: ProducerConfig, source: 'keycloak' | 'auth0', body: unknown): Promise<SourceAccepted> {
    const items = this.batch(producer, body);
    const adapter = this.o.adapters[source];
    const ctx: AdapterContext = { producer, instanceId: this.o.instanceId, pseudonyms: this.o.pseudonyms };
    const rules = this.rules(false);
    const keyed: Keyed[] = [];
    const mapped: EncodedEvent[] = [];
    let skipped = 0;
    let parked = 0;
    for (const raw of items) {
      const outcome = this.checkMapped(adapter.map(raw, ctx), rules);
      if (outcome.kind === 'skipped') {
        skipped += 1;
        this.o.metrics.skipped.inc({ source, type: adapter.skippedTypes.includes(outcome.sourceType) ? outcome.sourceType : 'other' });
      } else if (outcome.kind === 'parked') {
        parked += 1;
        this.o.metrics.parked.inc({ source, code: outcome.code });
        keyed.push({ id: outcome.id, record: this.parkedRecord(producer, source, outcome, raw) });
      } else {
        mapped.push(...outcome.events);
        keyed.push(...outcome.events.map((e) => ({ id: e.value.header.event_id, record: recordOf(e, this.o.topics) })));
      }
    }
    const report = await this.publish(producer, keyed);
    mapped.forEach((e) => report.published.includes(e.value.header.event_id) && this.o.metrics.accepted.inc({ producer: producer.id, type: e.type }));
    const mappedIds = new Set(mapped.map((e) => e.value.header.event_id));
    return {
      received: items.length, accepted: [...mappedIds], duplicates: report.duplicates.filter((id) => mappedIds.has(id)), skipped, parked,
    };
  }

  /** Mapped events must keep the contract too; one that does not is parked with the problems, not lost. */
  private checkMapped(outcome: SourceOutcome, rules: RuleOptions): { kind: 'mapped'; events: EncodedEvent[] } | Exclude<SourceOutcome, { kind: 'mapped' }> {
    if (outcome.kind !== 'mapped') return outcome;
    const events: EncodedEvent[] = [];
    for (const e of outcome.events) {
      const checked = this.o.contract.checkValue(e, rules);
      if (!checked.ok) {
        const reason = `mapped ${e.type} breaks the contract: ${checked.problems.map((p) => `${p.path} ${p.message}`).join('; ')}`;
        return { kind: 'parked', sourceType: outcome.sourceType, id: e.value.header.event_id, code: 'INGEST_MAPPING_INVALID', reason };
      }
      events.push(checked.event);
    }
    return { kind: 'mapped', events };
  }

  private parkedRecord(producer: ProducerConfig, source: string, p: Extract<SourceOutcome, { kind: 'parked' }>, raw: unknown): OutgoingRecord {
    const nowMs = this.o.now();
    return {
      topic: this.o.topics.deadLetters,
      key: p.id,
      value: Buffer.from(JSON.stringify(redactSourceEvent(raw, this.o.pseudonyms)), 'utf8'),
      timestampMs: nowMs,
      headers: {
        [DLQ_HEADERS.errorCode]: p.code,
        [DLQ_HEADERS.errorMessage]: p.reason.slice(0, 500),
        [DLQ_HEADERS.attempts]: '1',
        [DLQ_HEADERS.failedAt]: new Date(nowMs).toISOString(),
        'tw-ingest-source': source,
        'tw-ingest-source-type': p.sourceType,
        'tw-ingest-producer': producer.id,
        'content-type': 'application/json',
      },
    };
  }

  /** The body as a list of items, within the count cap and the producer's rate limit. */
  private batch(producer: ProducerConfig, body: unknown): unknown[] {
    const items = Array.isArray(body) ? body : [body];
    if (items.length === 0) throw new IngestError('ERR_INGEST_BAD_BODY', 'the array holds no events');
    if (items.length > this.o.maxEventsPerRequest) {
      throw new IngestError('ERR_INGEST_TOO_MANY_EVENTS', `at most ${this.o.maxEventsPerRequest} events per request, got ${items.length}`);
    }
    const admission = this.o.limiter.take(producer.id, producer.rateLimit, items.length);
    if (!admission.ok) this.rateLimited(producer, admission.retryAfterSeconds);
    return items;
  }

  private rateLimited(producer: ProducerConfig, retryAfterSeconds: number): never {
    this.o.metrics.rateLimited.inc({ producer: producer.id });
    throw new IngestError('ERR_INGEST_RATE_LIMITED', `at most ${producer.rateLimit.eventsPerSecond} events per second (burst ${producer.rateLimit.burst})`, { retryAfterSeconds });
  }

  /** The producer may only write as its own service and for its own tenants (checked on the raw JSON, so it applies to invalid events too). */
  private grantProblems(producer: ProducerConfig, event: unknown): FieldProblem[] {
    const header = (event as { header?: { producer?: { service?: unknown }; tenant_id?: unknown } } | null)?.header;
    const out: FieldProblem[] = [];
    const service = header?.producer?.service;
    if (typeof service === 'string' && service !== producer.service) out.push({ path: 'header.producer.service', message: `must be "${producer.service}", the service of this API key` });
    const tenant = header?.tenant_id;
    if (typeof tenant === 'string' && !producer.tenants.includes(tenant)) out.push({ path: 'header.tenant_id', message: 'is not a tenant this API key may write for' });
    return out;
  }

  private rules(fingerprintRequired: boolean): RuleOptions {
    return { nowMs: this.o.now(), maxFutureMs: this.o.maxFutureMs, fingerprintRequired };
  }

  private async publish(producer: ProducerConfig, keyed: Keyed[]) {
    const started = this.o.now();
    const report = await this.o.publisher.publishOnce(producer.id, keyed);
    this.o.metrics.publishSeconds.observe((this.o.now() - started) / 1000);
    if (report.duplicates.length > 0) this.o.metrics.duplicates.inc({ producer: producer.id }, report.duplicates.length);
    return report;
  }
}
