import { backoffDelayMs } from '@tokenwarden/kafka';

/** Where batches go: EventProducer.publishAll (resolves on broker ack). Kept structural so libs/kafka types stay out. */
export interface BatchSink<R> {
  publishAll(records: readonly R[]): Promise<void>;
}

export interface AuditBufferOptions {
  /**
   * Most records waiting in memory; beyond it the oldest is dropped (see README, "When the buffer is full").
   * The batch in flight (at most maxBatch) is held besides them.
   */
  readonly capacity: number;
  /** Most records per publishAll call. */
  readonly maxBatch: number;
  /** Flush this often while records wait (and at once when a full batch waits). */
  readonly flushIntervalMs: number;
  /** Called once per dropped record (a counter). */
  readonly onDrop?: (count: number) => void;
  /** Called with each failed publish (log it); the batch stays buffered and is retried with backoff. */
  readonly onPublishError?: (err: unknown, attempt: number) => void;
  /** Called with the number of records Kafka acknowledged. */
  readonly onPublished?: (count: number) => void;
}

/**
 * A bounded FIFO of audit records between the request path and Kafka. `offer`
 * is synchronous and O(1): a request never waits for the broker. A background
 * loop publishes batches; a failed batch goes back to the front and is retried
 * with jittered backoff. When full, the oldest record is dropped and counted
 * (the newest decisions are the ones an ongoing incident needs).
 */
export class AuditBuffer<R> {
  private items: R[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private failures = 0;
  private running = false;
  private droppedTotal = 0;

  constructor(private readonly sink: BatchSink<R>, private readonly o: AuditBufferOptions) {
    if (o.capacity < 1 || o.maxBatch < 1) throw new RangeError('audit buffer capacity and maxBatch must be at least 1');
  }

  /** Never blocks, never throws for a full buffer. */
  offer(record: R): void {
    if (this.size >= this.o.capacity) this.dropOldest(1);
    this.items.push(record);
    if (this.running && this.size >= this.o.maxBatch && this.failures === 0) this.schedule(0);
  }

  get size(): number {
    return this.items.length - this.head;
  }

  /** Records dropped since start because the buffer was full. */
  get dropped(): number {
    return this.droppedTotal;
  }

  /** Starts the background flush loop. */
  start(): void {
    this.running = true;
    this.schedule(this.o.flushIntervalMs);
  }

  /** Publishes at most one batch now (or joins the one in flight); resolves when it settled. */
  flushOnce(): Promise<void> {
    this.flushing ??= this.publishBatch().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  /** Stops the loop, then tries to drain what is buffered within `timeoutMs` (best effort). */
  async stop(timeoutMs: number): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const deadline = Date.now() + timeoutMs;
    while (this.size > 0 && Date.now() < deadline) {
      const before = this.failures;
      await this.flushOnce();
      if (this.failures > before) break;
    }
  }

  private async publishBatch(): Promise<void> {
    const batch = this.items.slice(this.head, this.head + this.o.maxBatch);
    if (batch.length === 0) return;
    this.removeFront(batch.length);
    try {
      await this.sink.publishAll(batch);
      this.failures = 0;
      this.o.onPublished?.(batch.length);
    } catch (err) {
      // Back to the front, in order; if records arrived meanwhile, the oldest beyond capacity go.
      this.items = batch.concat(this.items.slice(this.head));
      this.head = 0;
      if (this.size > this.o.capacity) this.dropOldest(this.size - this.o.capacity);
      this.failures += 1;
      this.o.onPublishError?.(err, this.failures);
    }
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flushOnce().then(() => {
        const next = this.failures > 0 ? backoffDelayMs(this.failures, this.o.flushIntervalMs, 30_000) : this.size >= this.o.maxBatch ? 0 : this.o.flushIntervalMs;
        this.schedule(next);
      });
    }, delayMs);
    this.timer.unref();
  }

  private dropOldest(n: number): void {
    this.removeFront(n);
    this.droppedTotal += n;
    this.o.onDrop?.(n);
  }

  private removeFront(n: number): void {
    this.head += Math.min(n, this.size);
    // Compact now and then, so the array does not grow without bound.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
