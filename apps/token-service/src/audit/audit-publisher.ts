import type { EventCodec, TokenwardenEvent } from '@tokenwarden/events';
import type { OutgoingRecord, TopicNames } from '@tokenwarden/kafka';
import { erasureKey, revocationKey } from '@tokenwarden/jwt';
import type { Log } from '@tokenwarden/config';
import { ServiceMetrics } from './service-metrics';

/** Where records go: EventProducer.publishAll (resolves on broker ack). */
export interface RecordSink {
  publishAll(records: readonly OutgoingRecord[]): Promise<void>;
}

/** Kafka did not acknowledge an event the operation depends on: answer 503, change nothing. */
export class AuditUnavailableError extends Error {
  readonly code = 'ERR_AUDIT_UNAVAILABLE';
  readonly retriable = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AuditUnavailableError';
  }
}

export interface AuditPublisherOptions {
  readonly codec: Pick<EventCodec, 'encode'>;
  readonly sink: RecordSink;
  readonly topics: TopicNames;
  readonly metrics: ServiceMetrics;
  readonly log: Log;
  /** Longest wait for an acknowledgement before giving up (the request answers 503). */
  readonly ackTimeoutMs: number;
  /** Best-effort events in flight beyond this are dropped (and counted), so an outage cannot grow memory. */
  readonly maxInFlight?: number;
}


/**
 * The one way out for audit events. Three strengths:
 * - `publish`: awaits the broker's ack (issuance, refresh, revocation, erasure,
 *   rotation); throws AuditUnavailableError so the caller undoes and answers 503.
 * - `publishBestEffort`: validation and denials; never delays or fails the
 *   answer, losses are counted and logged.
 * - `publishEventually`: security facts that already happened and must not be
 *   undone (refresh reuse); retried from an in-memory outbox until acknowledged.
 */
export class AuditPublisher {
  private inFlight = 0;
  private outbox: OutgoingRecord[][] = [];
  private retrying: Promise<void> | undefined;

  constructor(private readonly o: AuditPublisherOptions) {}

  async publish(events: readonly TokenwardenEvent[]): Promise<void> {
    await this.send(this.records(events), events);
  }

  /** A compaction tombstone: the (iss, jti) entry may be forgotten (the token expired). */
  async tombstone(key: string): Promise<void> {
    await this.send([{ topic: this.o.topics.revocations, key, value: null }], []);
  }

  publishBestEffort(events: readonly TokenwardenEvent[]): void {
    const max = this.o.maxInFlight ?? 10_000;
    if (this.inFlight >= max) return this.lost(events, 'too many events in flight');
    let records: OutgoingRecord[];
    try {
      records = this.records(events);
    } catch (err) {
      return this.lost(events, (err as Error).message);
    }
    this.inFlight += 1;
    this.send(records, events).then(
      () => (this.inFlight -= 1),
      (err: Error) => {
        this.inFlight -= 1;
        this.lost(events, err.message);
      },
    );
  }

  /** Tries now; on failure keeps the records and retries until Kafka takes them. */
  publishEventually(events: readonly TokenwardenEvent[]): Promise<void> {
    const records = this.records(events);
    return this.send(records, events).catch((err: Error) => {
      this.o.log('warn', 'security event not acknowledged; kept for retry', { types: events.map((e) => e.type), error: err.message });
      this.outbox.push(records);
      this.o.metrics.outboxPending.set(this.outbox.length);
    });
  }

  /** Retries the outbox once (call from a timer and at shutdown); resolves when the attempt ended. */
  retryOutbox(): Promise<void> {
    this.retrying ??= (async () => {
      while (this.outbox.length > 0) {
        try {
          await this.send(this.outbox[0], []);
        } catch {
          break;
        }
        this.outbox.shift();
      }
      this.o.metrics.outboxPending.set(this.outbox.length);
    })().finally(() => (this.retrying = undefined));
    return this.retrying;
  }

  get pendingOutbox(): number {
    return this.outbox.length;
  }

  /** Routes each event to its topic(s) and key; encoding validates against the schema. */
  records(events: readonly TokenwardenEvent[]): OutgoingRecord[] {
    const { topics, codec } = this.o;
    return events.flatMap((e) => {
      const value = codec.encode(e.type, e.value as never);
      const h = e.value.header;
      const base = { value, timestampMs: h.event_time };
      switch (e.type) {
        case 'KeyLifecycle':
          return [{ ...base, topic: topics.keyEvents, key: e.value.kid }];
        case 'TokenRevoked':
          return [
            { ...base, topic: topics.tokenEvents, key: h.subject_ref },
            { ...base, topic: topics.revocations, key: revocationKey(e.value.iss, e.value.jti) },
          ];
        case 'SubjectErased':
          return [
            { ...base, topic: topics.tokenEvents, key: h.subject_ref },
            ...(h.subject_ref ? [{ ...base, topic: topics.revocations, key: erasureKey(h.subject_ref) }] : []),
          ];
        case 'TokenIssued': case 'TokenValidated': case 'IssuanceDenied': case 'ConsentChanged': case 'Alert':
          return [{ ...base, topic: topics.tokenEvents, key: h.subject_ref }];
      }
    });
  }

  private async send(records: OutgoingRecord[], events: readonly TokenwardenEvent[]): Promise<void> {
    if (records.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no acknowledgement within ${this.o.ackTimeoutMs} ms`)), this.o.ackTimeoutMs);
    });
    try {
      await Promise.race([this.o.sink.publishAll(records), timeout]);
    } catch (cause) {
      throw new AuditUnavailableError(`Kafka did not take ${records.length} audit record(s): ${(cause as Error).message}`, { cause });
    } finally {
      clearTimeout(timer);
    }
    for (const e of events) this.o.metrics.published.inc({ type: e.type });
  }

  private lost(events: readonly TokenwardenEvent[], reason: string): void {
    for (const e of events) this.o.metrics.lost.inc({ type: e.type });
    this.o.log('error', 'audit event lost', { types: events.map((e) => e.type), reason });
  }
}
