import { Consumer, EachBatchPayload } from 'kafkajs';
import { backoffDelayMs } from './backoff';
import { deadLetterRecord, Rejection } from './dead-letters';
import { EventProducer } from './event-producer';
import { KafkaConnection } from './kafka-connection';
import { classify } from './kafka-error';
import { PartitionStats } from './partition-stats';
import { ConsumedRecord, consumedRecord } from './records';

/** What a handler reports back: records it could never process (poison), with the reason. */
export interface BatchOutcome {
  rejected?: Rejection[];
}

/**
 * Processes one partition's batch. Throw an error with `retriable: true` to have
 * the whole batch retried later (nothing is acknowledged); an error with
 * `retriable: false` makes the runner retry record by record to isolate the
 * poison. Anything else is a bug and stops the consumer loudly.
 */
export type BatchHandler = (records: ConsumedRecord[], ctx: { attempt: number }) => Promise<BatchOutcome | void>;

export interface ConsumerRunnerOptions {
  groupId: string;
  topics: readonly string[];
  deadLetterTopic: string;
  fromBeginning?: boolean;
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Fetch waits for this many bytes or `maxWaitTimeMs`, whichever comes first: batching by size and time. */
  minBytes?: number;
  maxWaitTimeMs?: number;
  maxBytesPerPartition?: number;
  /** Upper bound of one fetch over all partitions (kafkajs default 10 MiB); caps the batch sizes above. */
  maxBytes?: number;
  partitionsConsumedConcurrently?: number;
  /** Group session timeout: how soon a dead member's partitions move to another member. kafkajs default 30 000. */
  sessionTimeoutMs?: number;
  now?: () => number;
  /** Called when the consumer stops for good (a bug in a handler). */
  onFatal?: (err: unknown) => void;
}

/**
 * Runs a consumer group with at-least-once semantics: offsets are resolved only
 * after the handler succeeded and poison records sit safely on the dead-letter
 * topic. A retriable failure pauses the partition and retries with jittered
 * backoff; it never skips and never crash-loops.
 */
export class ConsumerRunner {
  readonly stats = new PartitionStats();
  private readonly consumer: Consumer;
  private readonly attempts = new Map<string, number>();
  private readonly resumeTimers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly conn: KafkaConnection,
    private readonly deadLetters: EventProducer,
    private readonly handler: BatchHandler,
    private readonly options: ConsumerRunnerOptions,
  ) {
    this.consumer = conn.client.consumer({
      groupId: options.groupId,
      minBytes: options.minBytes ?? 1,
      maxWaitTimeInMs: options.maxWaitTimeMs ?? 250,
      maxBytesPerPartition: options.maxBytesPerPartition ?? 1048576,
      maxBytes: options.maxBytes ?? 10485760,
      sessionTimeout: options.sessionTimeoutMs ?? 30000,
      allowAutoTopicCreation: false,
      // Broker trouble restarts the consumer; a bug in our code does not.
      retry: { restartOnFailure: async (err) => classify(err) === undefined && isKafkaError(err) },
    });
    this.consumer.on(this.consumer.events.CRASH, (e) => {
      if (!e.payload.restart) (options.onFatal ?? defaultFatal)(e.payload.error);
    });
  }

  async start(): Promise<void> {
    try {
      await this.consumer.connect();
      await this.consumer.subscribe({ topics: [...this.options.topics], fromBeginning: this.options.fromBeginning ?? true });
    } catch (err) {
      throw this.conn.unavailable(`start consumer group ${this.options.groupId}`, err);
    }
    await this.consumer.run({
      autoCommit: true,
      autoCommitInterval: 1000,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 1,
      eachBatch: (payload) => this.onBatch(payload),
    });
  }

  /** Stops fetching, lets the batch in hand finish, commits what was resolved, disconnects. */
  async stop(): Promise<void> {
    for (const t of this.resumeTimers) clearTimeout(t);
    this.resumeTimers.clear();
    await this.consumer.disconnect();
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    if (batch.messages.length === 0 || !payload.isRunning() || payload.isStale()) return;
    const records = batch.messages.map((m) => consumedRecord(batch.topic, batch.partition, m));
    const key = `${batch.topic}/${batch.partition}/${batch.firstOffset()}`;
    const attempt = (this.attempts.get(key) ?? 0) + 1;

    const outcome = await this.process(records, attempt);
    if (outcome === 'retry') return this.retryLater(payload, key, attempt);

    const rejected = outcome.rejected ?? [];
    if (rejected.length > 0) {
      try {
        const now = (this.options.now ?? Date.now)();
        await this.deadLetters.publishAll(rejected.map((r) => deadLetterRecord(this.options.deadLetterTopic, r, attempt, now)));
      } catch {
        return this.retryLater(payload, key, attempt);
      }
    }
    this.attempts.delete(key);
    this.stats.add(batch.topic, batch.partition, {
      processed: records.length - rejected.length,
      deadLettered: rejected.length,
      lag: Math.max(0, Number(batch.offsetLag())),
    });
    payload.resolveOffset(batch.lastOffset());
    await payload.commitOffsetsIfNecessary();
    await payload.heartbeat();
  }

  private async process(records: ConsumedRecord[], attempt: number): Promise<BatchOutcome | 'retry'> {
    try {
      return (await this.handler(records, { attempt })) ?? {};
    } catch (err) {
      const c = classify(err);
      if (c === undefined) throw err;
      if (c.retriable) return 'retry';
      if (records.length === 1) return { rejected: [{ record: records[0], code: c.code, message: c.message }] };
      return this.isolatePoison(records, attempt);
    }
  }

  /** A batch failed for good: run its records one by one, so only the poison ones are parked. */
  private async isolatePoison(records: ConsumedRecord[], attempt: number): Promise<BatchOutcome | 'retry'> {
    const rejected: Rejection[] = [];
    for (const record of records) {
      const one = await this.process([record], attempt);
      if (one === 'retry') return 'retry';
      rejected.push(...(one.rejected ?? []));
    }
    return { rejected };
  }

  private retryLater(payload: EachBatchPayload, key: string, attempt: number): void {
    this.attempts.set(key, attempt);
    const lag = Math.max(0, Number(payload.batch.highWatermark) - Number(payload.batch.firstOffset()));
    this.stats.add(payload.batch.topic, payload.batch.partition, { retries: 1, lag });
    const resume = payload.pause();
    const delay = backoffDelayMs(attempt, this.options.retryBaseMs ?? 200, this.options.retryMaxMs ?? 30000);
    const timer = setTimeout(() => {
      this.resumeTimers.delete(timer);
      resume();
    }, delay);
    this.resumeTimers.add(timer);
  }
}

/** A broker or network problem (worth a restart), as opposed to a bug that kafkajs wrapped after its retries. */
function isKafkaError(err: unknown): boolean {
  if (!(err instanceof Error) || !err.name.startsWith('KafkaJS')) return false;
  const original = (err as { originalError?: unknown }).originalError;
  return original === undefined || isKafkaError(original);
}

function defaultFatal(err: unknown): void {
  console.error('consumer stopped after a handler bug', err);
  process.exitCode = 1;
}
