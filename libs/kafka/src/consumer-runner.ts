import { Consumer, EachBatchPayload } from 'kafkajs';
import { backoffDelayMs } from './backoff';
import { deadLetterRecord, Rejection } from './dead-letters';
import { EventProducer } from './event-producer';
import { KafkaConnection } from './kafka-connection';
import { classify } from './kafka-error';
import { PartitionStats } from './partition-stats';
import { PipelinedBatches, SettledBatch } from './pipelined-batches';
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
  /**
   * Pipelined: while a partition has at least this many records left after
   * a batch (0: always), its next batch is fetched while the handler still
   * works on this one (at most two batches per partition in hand); caught up,
   * the next fetch waits for this batch. Offsets are then committed
   * explicitly, in order, once each handler resolved (PipelinedBatches).
   * Unset: the serial runner (the next fetch waits for every handler of this one).
   */
  overlapFromLag?: number;
  now?: () => number;
  /** Called when the consumer stops for good (a bug in a handler). */
  onFatal?: (err: unknown) => void;
}

/**
 * Runs a consumer group with at-least-once semantics: offsets are resolved
 * (pipelined: committed) only after the handler succeeded and poison records
 * sit safely on the dead-letter topic. A retriable failure pauses the
 * partition and retries with jittered backoff; it never skips and never
 * crash-loops.
 */
export class ConsumerRunner {
  readonly stats = new PartitionStats();
  private readonly consumer: Consumer;
  private readonly attempts = new Map<string, number>();
  private readonly resumeTimers = new Set<NodeJS.Timeout>();
  private readonly pipeline?: PipelinedBatches;
  private running = false;

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
    if (options.overlapFromLag !== undefined) {
      this.pipeline = new PipelinedBatches({
        settle: (payload) => this.settle(payload),
        landed: (payload, settled) => this.count(payload, settled),
        commit: (topic, partition, offset) => this.commit(topic, partition, offset),
        rewind: (payload) => {
          const { topic, partition } = payload.batch;
          this.consumer.seek({ topic, partition, offset: payload.batch.messages[0].offset });
          this.retryLater(payload);
        },
        fatal: options.onFatal ?? defaultFatal,
      }, { overlapFromLag: options.overlapFromLag });
    }
  }

  async start(): Promise<void> {
    try {
      await this.consumer.connect();
      await this.consumer.subscribe({ topics: [...this.options.topics], fromBeginning: this.options.fromBeginning ?? true });
    } catch (err) {
      throw this.conn.unavailable(`start consumer group ${this.options.groupId}`, err);
    }
    await this.consumer.run({
      // Pipelined, this runner commits each batch itself, in order, once it landed.
      autoCommit: !this.pipeline,
      autoCommitInterval: 1000,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 1,
      eachBatch: this.pipeline?.onBatch ?? ((payload) => this.onBatch(payload)),
    });
    this.running = true;
  }

  /** Stops fetching, lets the batches in hand finish, commits what landed, disconnects. */
  async stop(): Promise<void> {
    this.cancelResumes();
    if (this.pipeline && this.running) {
      this.consumer.pause(this.options.topics.map((topic) => ({ topic })));
      await this.pipeline.drain();
    }
    this.running = false;
    await this.consumer.disconnect();
    // A batch that failed while stopping scheduled a resume; nothing is left to resume.
    this.cancelResumes();
  }

  private cancelResumes(): void {
    for (const t of this.resumeTimers) clearTimeout(t);
    this.resumeTimers.clear();
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    if (batch.messages.length === 0 || !payload.isRunning() || payload.isStale()) return;
    const settled = await this.settle(payload);
    if (settled === 'retry') return this.retryLater(payload);
    this.count(payload, settled);
    payload.resolveOffset(batch.lastOffset());
    await payload.commitOffsetsIfNecessary();
    await payload.heartbeat();
  }

  /** Runs the handler over the batch and parks its poison on dead-letters. */
  private async settle({ batch }: EachBatchPayload): Promise<SettledBatch> {
    const records = batch.messages.map((m) => consumedRecord(batch.topic, batch.partition, m));
    const key = attemptKey(batch);
    const attempt = (this.attempts.get(key) ?? 0) + 1;
    const outcome = await this.process(records, attempt);
    if (outcome === 'retry') return 'retry';
    const rejected = outcome.rejected ?? [];
    if (rejected.length > 0) {
      try {
        const now = (this.options.now ?? Date.now)();
        await this.deadLetters.publishAll(rejected.map((r) => deadLetterRecord(this.options.deadLetterTopic, r, attempt, now)));
      } catch {
        return 'retry';
      }
    }
    this.attempts.delete(key);
    return { processed: records.length - rejected.length, deadLettered: rejected.length };
  }

  private count({ batch }: EachBatchPayload, settled: { processed: number; deadLettered: number }): void {
    this.stats.add(batch.topic, batch.partition, { ...settled, lag: Math.max(0, Number(batch.offsetLag())) });
  }

  private async commit(topic: string, partition: number, offset: string): Promise<void> {
    try {
      await this.consumer.commitOffsets([{ topic, partition, offset }]);
    } catch (err) {
      // A lost generation or broker trouble: a later commit, or the partition's next owner re-reading from the last commit, covers it.
      if (!(err instanceof Error && err.name.startsWith('KafkaJS'))) throw err;
    }
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

  private retryLater(payload: EachBatchPayload): void {
    const key = attemptKey(payload.batch);
    const attempt = (this.attempts.get(key) ?? 0) + 1;
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

const attemptKey = (batch: EachBatchPayload['batch']): string => `${batch.topic}/${batch.partition}/${batch.firstOffset()}`;

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
