import { EventCodec, EventCodecError } from '@tokenwarden/events';
import { ConsumedRecord, ConsumerRunner, EventProducer, KafkaConnection } from '@tokenwarden/kafka';
import type { KeyRegistry } from '../engine/key-registry';
import { rangesSince } from './log-reader';

export interface KeyFeedOptions {
  readonly conn: KafkaConnection;
  readonly deadLetters: EventProducer;
  readonly codec: Pick<EventCodec, 'decode'>;
  readonly keys: KeyRegistry;
  readonly topic: string;
  readonly deadLetterTopic: string;
  /** Unique per process: every instance reads the whole key-events topic itself. */
  readonly groupId: string;
  readonly onUndecodable: (code: string) => void;
  readonly onFatal?: (err: unknown) => void;
}

/**
 * Feeds KeyLifecycle events from `key-events` into the key registry: the
 * whole topic at start (it holds one event per key phase, so it is small),
 * then live. Ready once the records present at start are applied.
 */
export class KeyFeed {
  private readonly runner: ConsumerRunner;
  private readonly applied = new Map<number, number>();
  private targets: Map<number, number> | undefined;

  constructor(private readonly o: KeyFeedOptions) {
    this.runner = new ConsumerRunner(o.conn, o.deadLetters, async (records) => this.handle(records), {
      groupId: o.groupId, topics: [o.topic], deadLetterTopic: o.deadLetterTopic, fromBeginning: true,
      maxWaitTimeMs: 200, sessionTimeoutMs: 10000, onFatal: o.onFatal,
    });
  }

  async start(): Promise<void> {
    const ranges = await rangesSince(this.o.conn, this.o.topic, 0);
    this.targets = new Map(ranges.map((r) => [r.partition, r.end - 1]));
    await this.runner.start();
  }

  async stop(): Promise<void> {
    await this.runner.stop();
  }

  /** True once every record that existed at start has been applied. */
  caughtUp(): boolean {
    if (!this.targets) return false;
    for (const [p, last] of this.targets) if ((this.applied.get(p) ?? -1) < last) return false;
    return true;
  }

  private handle(records: ConsumedRecord[]): void {
    for (const r of records) {
      this.applied.set(r.partition, Number(r.offset));
      if (r.value === null) continue;
      try {
        const e = this.o.codec.decode(r.value);
        if (e.type === 'KeyLifecycle') this.o.keys.observe(e.value);
      } catch (err) {
        // The projector owns dead-lettering of audit topics; the detector counts and moves on.
        if (!(err instanceof EventCodecError)) throw err;
        this.o.onUndecodable(err.code);
      }
    }
  }
}
