import { EventCodec, EventCodecError, ProjectedEventDecoder } from '@tokenwarden/events';
import type { ConsumedRecord, OutgoingRecord } from '@tokenwarden/kafka';
import type { DetectionEngine } from './engine/detection-engine';

export interface DetectionLoopOptions {
  readonly engine: DetectionEngine;
  /** Encodes the alerts. */
  readonly codec: Pick<EventCodec, 'encode'>;
  /** Decodes token events: the fields the engine reads suffice (eventProjection). */
  readonly decoder: Pick<ProjectedEventDecoder, 'decode'>;
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
 * Follow-up versions one send carries at most (new alerts are never held
 * back). Many open incidents fall due together; without a cap their
 * versions go out as one burst that every new alert waits behind.
 */
export const MAX_UPDATES_PER_SEND = 100;

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
    // A batch is one partition's records in offset order: its progress is looked up once per run of the same
    // partition, and offsets are parsed only while skipping records counted before (a retried batch) and once at the end.
    let topic: string | undefined;
    let partition = -1;
    let at = '';
    let skipThrough: number | undefined;
    let last: ConsumedRecord | undefined; // newest record of the run counted now
    try {
      for (let i = 0; i < records.length; i++) {
        const r = records[i];
        if (r.topic !== topic || r.partition !== partition) {
          if (last !== undefined) this.ingested.set(at, Number(last.offset));
          last = undefined;
          topic = r.topic;
          partition = r.partition;
          at = `${topic}/${partition}`;
          skipThrough = this.ingested.get(at);
        }
        if (skipThrough !== undefined) {
          if (Number(r.offset) <= skipThrough) continue;
          skipThrough = undefined; // offsets only grow within a run
        }
        const raised = this.ingest(r);
        last = r;
        if (raised) await this.sendEarly();
      }
    } finally {
      // Also when ingest threw: records already counted stay skipped on the retry.
      if (last !== undefined) this.ingested.set(at, Number(last.offset));
    }
    this.o.engine.evictIdle();
    await this.emit();
  };

  /**
   * Decodes and counts one record; undecodable ones are counted and skipped
   * (the projector dead-letters them). True when it raised a new alert.
   */
  ingest(r: ConsumedRecord): boolean {
    if (r.value === null) return false;
    try {
      const e = this.o.decoder.decode(r.value);
      const raised = this.o.engine.ingest(e);
      this.o.observer?.event(e.type);
      return raised;
    } catch (err) {
      if (!(err instanceof EventCodecError)) throw err;
      this.o.observer?.undecodableRecord(err.code);
      return false;
    }
  }

  /**
   * A new alert leaves as soon as it is raised, not when the rest of the
   * batch is done: its send is started and the event loop gets one turn to
   * put it on the wire, then the batch goes on while Kafka acknowledges it.
   * The batch still ends with `emit`, which waits for this send too (calls
   * run in order), so offsets are committed only after the alert is
   * acknowledged. A failed early send leaves the alert pending for that emit.
   */
  private async sendEarly(): Promise<void> {
    this.emit().catch(() => undefined);
    await new Promise<void>((resolve) => setImmediate(resolve));
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
    const pending = all ? this.o.engine.pending() : this.o.engine.pending({ updatedBeforeMs: now - interval, maxUpdates: MAX_UPDATES_PER_SEND });
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
