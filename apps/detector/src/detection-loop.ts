import { EventCodec, EventCodecError } from '@tokenwarden/events';
import type { ConsumedRecord, OutgoingRecord } from '@tokenwarden/kafka';
import type { DetectionEngine } from './engine/detection-engine';

export interface DetectionLoopOptions {
  readonly engine: DetectionEngine;
  readonly codec: Pick<EventCodec, 'decode' | 'encode'>;
  readonly alertsTopic: string;
  /** Resolves once Kafka acknowledged every record (EventProducer.publishAll). */
  readonly publish: (records: OutgoingRecord[]) => Promise<void>;
  /**
   * Follow-up (UPDATED) versions of one alert go out at most this often; new
   * alerts (OPEN) go out with the batch that raised them. 0: every batch.
   */
  readonly updateIntervalMs?: number;
  readonly now?: () => number;
  readonly observer?: LoopObserver;
}

export interface LoopObserver {
  event(type: string): void;
  undecodableRecord(code: string): void;
  alertPublished(rule: string, status: string): void;
}

/**
 * The detector between Kafka and the engine: decodes records, feeds the
 * engine, publishes changed alerts. A batch is done only once its alerts
 * are acknowledged; when publishing fails the error (retriable) propagates,
 * the consumer runner retries the batch later, and records already counted
 * are skipped by offset, so nothing is counted twice and nothing is lost.
 */
export class DetectionLoop {
  private readonly ingested = new Map<string, number>();
  private lock: Promise<unknown> = Promise.resolve();
  private readonly now: () => number;

  constructor(private readonly o: DetectionLoopOptions) {
    this.now = o.now ?? Date.now;
  }

  /** The live batch handler (ConsumerRunner). */
  readonly handle = async (records: ConsumedRecord[]): Promise<void> => {
    // A batch is one partition's records in offset order: look its progress up once per run of the same partition.
    let topic: string | undefined;
    let partition = -1;
    let at = '';
    let done: number | undefined;
    try {
      for (let i = 0; i < records.length; i++) {
        const r = records[i];
        if (r.topic !== topic || r.partition !== partition) {
          if (done !== undefined) this.ingested.set(at, done);
          topic = r.topic;
          partition = r.partition;
          at = `${topic}/${partition}`;
          done = this.ingested.get(at);
        }
        const offset = Number(r.offset);
        if (done !== undefined && offset <= done) continue;
        this.ingest(r);
        done = offset;
      }
    } finally {
      // Also when ingest threw: records already counted stay skipped on the retry.
      if (done !== undefined) this.ingested.set(at, done);
    }
    this.o.engine.evictIdle();
    await this.emit();
  };

  /** Decodes and counts one record; undecodable ones are counted and skipped (the projector dead-letters them). */
  ingest(r: ConsumedRecord): void {
    if (r.value === null) return;
    try {
      const e = this.o.codec.decode(r.value);
      this.o.engine.ingest(e);
      this.o.observer?.event(e.type);
    } catch (err) {
      if (!(err instanceof EventCodecError)) throw err;
      this.o.observer?.undecodableRecord(err.code);
    }
  }

  /**
   * Publishes the alerts that changed and are due (`all`: every changed one,
   * at shutdown and after the start-up rebuild); resolves once Kafka has
   * them. Calls run one at a time, so versions of an alert leave in order.
   * A deferred follow-up is never lost to a crash: the rebuild recomputes it
   * from the log and publishes it.
   */
  emit(all = false): Promise<number> {
    const run = this.lock.then(() => this.publishDue(all));
    this.lock = run.catch(() => undefined);
    return run;
  }

  private async publishDue(all: boolean): Promise<number> {
    const now = this.now();
    const interval = this.o.updateIntervalMs ?? 0;
    const pending = this.o.engine.pending().filter((p) => all || p.alert.status === 'OPEN' || now - p.emittedAtMs >= interval);
    if (pending.length === 0) return 0;
    await this.o.publish(pending.map(({ alert }) => ({
      topic: this.o.alertsTopic,
      key: alert.alert_id,
      value: this.o.codec.encode('Alert', alert),
      timestampMs: alert.last_seen,
    })));
    for (const p of pending) {
      p.commit(now);
      this.o.observer?.alertPublished(p.alert.rule_id, p.alert.status);
    }
    return pending.length;
  }
}
