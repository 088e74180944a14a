import { CompressionTypes, Message, Producer } from 'kafkajs';
import { KafkaConnection } from './kafka-connection';
import { KafkaAdapterError } from './kafka-error';
import { OutgoingRecord } from './records';

export interface EventProducerOptions {
  /** Wait this long for more records before sending a batch (0 = next tick). */
  lingerMs?: number;
  /** Send as soon as this many records are queued; also the most one request carries. */
  maxBatchRecords?: number;
  /** The most bytes (keys + values) one request carries, below the broker's message.max.bytes. */
  maxBatchBytes?: number;
  /** How long one send may wait for the broker's acknowledgement. */
  ackTimeoutMs?: number;
}

interface Pending {
  record: OutgoingRecord;
  resolve: () => void;
  reject: (err: Error) => void;
}

/**
 * Idempotent producer (acks=all, one request in flight, as kafkajs requires for
 * its experimental idempotence) that groups concurrent `publish` calls into one
 * batch. Each caller's promise settles when the broker acknowledged its record,
 * so a caller can refuse to act on what was not audited.
 */
export class EventProducer {
  private producer: Producer;
  private queue: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> = Promise.resolve();
  private connected = false;
  private closed = false;

  constructor(
    private readonly conn: KafkaConnection,
    private readonly options: EventProducerOptions = {},
  ) {
    this.producer = this.newProducer();
  }

  private newProducer(): Producer {
    return this.conn.client.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  }

  async connect(): Promise<void> {
    try {
      await this.producer.connect();
      this.connected = true;
    } catch (err) {
      throw this.conn.unavailable('accept a producer connection', err);
    }
  }

  /** Publishes one record; resolves once Kafka acknowledged it. */
  publish(record: OutgoingRecord): Promise<void> {
    if (this.closed) return Promise.reject(new KafkaAdapterError('ERR_KAFKA_CLOSED', 'producer is closed', false));
    return new Promise((resolve, reject) => {
      this.queue.push({ record, resolve, reject });
      if (this.queue.length >= (this.options.maxBatchRecords ?? 500)) this.flushSoon(0);
      else this.flushSoon(this.options.lingerMs ?? 0);
    });
  }

  /** Publishes several records; resolves once all are acknowledged. */
  async publishAll(records: readonly OutgoingRecord[]): Promise<void> {
    await Promise.all(records.map((r) => this.publish(r)));
  }

  /** Sends what is queued and waits for it. */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.queue.length > 0) {
      this.sending = this.sending.then(() => this.sendQueued());
      await this.sending;
    }
    await this.sending;
  }

  async disconnect(): Promise<void> {
    await this.flush().catch(() => undefined);
    this.closed = true;
    if (this.connected) await this.producer.disconnect();
  }

  private flushSoon(delayMs: number): void {
    if (this.timer && delayMs > 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.sending = this.sending.then(() => this.sendQueued());
    }, delayMs);
  }

  private async sendQueued(): Promise<void> {
    const batch = this.takeBatch();
    if (batch.length === 0) return;
    try {
      if (!this.connected) await this.connect();
      await this.producer.sendBatch({
        acks: -1,
        timeout: this.options.ackTimeoutMs ?? 10000,
        compression: CompressionTypes.None,
        topicMessages: groupByTopic(batch.map((p) => p.record)),
      });
      for (const p of batch) p.resolve();
    } catch (err) {
      const wrapped =
        err instanceof KafkaAdapterError
          ? err
          : new KafkaAdapterError(
              'ERR_KAFKA_PUBLISH_FAILED',
              `Kafka at ${this.conn.describeBrokers()} did not acknowledge ${batch.length} record(s): ${(err as Error).message}`,
              true,
              { cause: err },
            );
      for (const p of batch) p.reject(wrapped);
      await this.rebuildProducer();
    }
    if (this.queue.length > 0) this.flushSoon(0);
  }

  /** The oldest queued records that fit one request (by count and bytes); the rest wait for the next. */
  private takeBatch(): Pending[] {
    const maxRecords = this.options.maxBatchRecords ?? 500;
    const maxBytes = this.options.maxBatchBytes ?? 512 * 1024;
    let bytes = 0;
    let n = 0;
    while (n < this.queue.length && n < maxRecords) {
      bytes += recordBytes(this.queue[n].record);
      if (n > 0 && bytes > maxBytes) break;
      n++;
    }
    return this.queue.splice(0, n);
  }

  /**
   * After a failed request the idempotent producer's sequence numbers may no
   * longer match the broker's ("out of order sequence number"): start a fresh
   * producer (new producer id), as kafkajs advises for its experimental idempotence.
   */
  private async rebuildProducer(): Promise<void> {
    const old = this.producer;
    this.producer = this.newProducer();
    this.connected = false;
    await old.disconnect().catch(() => undefined);
  }
}

function recordBytes(r: OutgoingRecord): number {
  return (r.value?.length ?? 0) + (typeof r.key === 'string' ? Buffer.byteLength(r.key) : (r.key?.length ?? 0)) + 64;
}

function groupByTopic(records: readonly OutgoingRecord[]): Array<{ topic: string; messages: Message[] }> {
  const byTopic = new Map<string, Message[]>();
  for (const r of records) {
    const messages = byTopic.get(r.topic) ?? [];
    messages.push({
      key: r.key,
      value: r.value,
      headers: r.headers,
      timestamp: r.timestampMs === undefined ? undefined : String(r.timestampMs),
    });
    byTopic.set(r.topic, messages);
  }
  return [...byTopic.entries()].map(([topic, messages]) => ({ topic, messages }));
}
