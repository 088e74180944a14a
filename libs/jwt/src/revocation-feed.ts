import type { EventCodec } from '@tokenwarden/events';
import { ConsumedRecord, ConsumerRunner, EventProducer, KafkaConnection, TopicOffsets } from '@tokenwarden/kafka';
import { RevocationSet } from './revocation-set';

/** One structured log line (the token service's and the guard's Log have this shape). */
export type FeedLog = (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;

export interface RevocationFeedOptions {
  readonly conn: KafkaConnection;
  /** Producer for the dead-letter topic (poison records on `revocations`). */
  readonly deadLetters: EventProducer;
  readonly codec: Pick<EventCodec, 'decode'>;
  readonly set: RevocationSet;
  readonly topic: string;
  readonly deadLetterTopic: string;
  /** Unique per process: every instance reads the whole topic itself. */
  readonly groupId: string;
  readonly log: FeedLog;
  /** Told about every erasure marker read, so this instance can revoke its own refresh families. */
  readonly onErasure?: (subjectRef: string, erasedAtMs: number) => void;
  readonly onFatal?: (err: unknown) => void;
}

/**
 * Materializes the compacted `revocations` topic into a RevocationSet. Each
 * instance consumes it from the beginning under its own consumer group, so a
 * revocation published by any instance reaches every instance (within the
 * fetch wait, 100 ms). Ready once the records present at start are applied.
 */
export class RevocationFeed {
  private readonly runner: ConsumerRunner;
  /** Highest offset applied per partition. */
  private readonly applied = new Map<number, bigint>();
  private targets: Map<number, bigint> | undefined;

  constructor(private readonly o: RevocationFeedOptions) {
    this.runner = new ConsumerRunner(o.conn, o.deadLetters, (records) => this.handle(records), {
      groupId: o.groupId, topics: [o.topic], deadLetterTopic: o.deadLetterTopic, fromBeginning: true,
      maxWaitTimeMs: 100, sessionTimeoutMs: 10000, onFatal: o.onFatal,
    });
  }

  async start(): Promise<void> {
    this.targets = await lastOffsets(this.o.conn, this.o.topic);
    await this.runner.start();
  }

  async stop(): Promise<void> {
    await this.runner.stop();
  }

  /** True once every record that existed at start has been applied. */
  caughtUp(): boolean {
    if (!this.targets) return false;
    for (const [partition, last] of this.targets) if ((this.applied.get(partition) ?? -1n) < last) return false;
    return true;
  }

  private async handle(records: ConsumedRecord[]): Promise<void> {
    for (const r of records) {
      // Recorded first: a poison record (parked on dead-letters) still counts as read.
      this.applied.set(r.partition, BigInt(r.offset));
      this.apply(r);
    }
  }

  /** Throws EventCodecError (not retriable) for poison: the runner parks it on dead-letters. */
  private apply(r: ConsumedRecord): void {
    const key = r.key?.toString('utf8') ?? '';
    if (r.value === null) return this.o.set.remove(key);
    const e = this.o.codec.decode(r.value);
    if (e.type === 'TokenRevoked') return this.o.set.addRevocation(e.value.iss, e.value.jti, e.value.expires_at);
    if (e.type === 'SubjectErased' && e.value.header.subject_ref) {
      const { subject_ref: ref, event_time: at } = e.value.header;
      this.o.set.addErasure(ref, at);
      this.o.onErasure?.(ref, at);
      return;
    }
    this.o.log('warn', 'ignored a record of an unexpected type on the revocations topic', { type: e.type, offset: r.offset });
  }
}

/** Offset of the last record per partition at this moment (-1 when empty). */
async function lastOffsets(conn: KafkaConnection, topic: string): Promise<Map<number, bigint>> {
  const extents = await new TopicOffsets(conn).extents(topic);
  return new Map(extents.map((e) => [e.partition, e.high > e.low ? BigInt(e.high - 1) : -1n]));
}
