import { CompressionTypes, Message, Producer } from 'kafkajs';
import { KafkaConnection } from './kafka-connection';
import { KafkaAdapterError } from './kafka-error';
import { keyPartitioner } from './key-partitioner';
import { OutgoingRecord } from './records';

export interface EventProducerOptions {
  /** Wait this long for more records before sending a batch (0 = once this event-loop turn's callbacks ran). */
  lingerMs?: number;
  /** Send as soon as this many records are queued; also the most one request carries (default 2000). */
  maxBatchRecords?: number;
  /** The most bytes (keys + values) one request carries, below the broker's message.max.bytes. */
  maxBatchBytes?: number;
  /** How long one send may wait for the broker's acknowledgement. */
  ackTimeoutMs?: number;
}

interface Pending {
  topic: string;
  message: Message;
  /** What the record weighs in a request (key, value, framing), for maxBatchBytes. */
  bytes: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

const DEFAULT_MAX_BATCH_RECORDS = 2000;

/**
 * Idempotent producer (acks=all, one request in flight, as kafkajs requires for
 * its experimental idempotence) that groups concurrent `publish` calls into one
 * batch. Each caller's promise settles when the broker acknowledged its record,
 * so a caller can refuse to act on what was not audited.
 */
export class EventProducer {
  private producer: Producer;
  private queue: Pending[] = [];
  private timer: { delayMs: number; cancel: () => void } | undefined;
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
    return this.conn.client.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: keyPartitioner });
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
    const message = toMessage(record);
    const bytes = (message.value?.length ?? 0) + (message.key?.length ?? 0) + 64;
    return new Promise((resolve, reject) => {
      this.queue.push({ topic: record.topic, message, bytes, resolve, reject });
      if (this.queue.length >= (this.options.maxBatchRecords ?? DEFAULT_MAX_BATCH_RECORDS)) this.flushSoon(0);
      else this.flushSoon(this.options.lingerMs ?? 0);
    });
  }

  /** Publishes several records; resolves once all are acknowledged. */
  async publishAll(records: readonly OutgoingRecord[]): Promise<void> {
    await Promise.all(records.map((r) => this.publish(r)));
  }

  /** Sends what is queued and waits for it. */
  async flush(): Promise<void> {
    this.timer?.cancel();
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

  /**
   * Arms the send timer unless one already fires at least as soon (re-arming
   * it per publish cost more than the send). Delay 0 is setImmediate: it runs
   * once the promise callbacks of this turn (callers publishing their next
   * record) have queued, without setTimeout's 1 ms floor before every request.
   */
  private flushSoon(delayMs: number): void {
    if (this.timer && delayMs >= this.timer.delayMs) return;
    this.timer?.cancel();
    const fire = () => {
      this.timer = undefined;
      this.sending = this.sending.then(() => this.sendQueued());
    };
    if (delayMs === 0) {
      const immediate = setImmediate(fire);
      this.timer = { delayMs, cancel: () => clearImmediate(immediate) };
    } else {
      const timeout = setTimeout(fire, delayMs);
      this.timer = { delayMs, cancel: () => clearTimeout(timeout) };
    }
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
        topicMessages: groupByTopic(batch),
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
    const maxRecords = this.options.maxBatchRecords ?? DEFAULT_MAX_BATCH_RECORDS;
    const maxBytes = this.options.maxBatchBytes ?? 512 * 1024;
    let bytes = 0;
    let n = 0;
    while (n < this.queue.length && n < maxRecords) {
      bytes += this.queue[n].bytes;
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

/** The kafkajs message of a record; the key as bytes, so the partitioner hashes it without encoding it again. */
function toMessage(r: OutgoingRecord): Message & { key: Buffer | null } {
  const message: Message & { key: Buffer | null } = { key: typeof r.key === 'string' ? Buffer.from(r.key) : r.key, value: r.value };
  if (r.headers !== undefined) message.headers = r.headers;
  if (r.timestampMs !== undefined) message.timestamp = String(r.timestampMs);
  return message;
}

function groupByTopic(batch: readonly Pending[]): Array<{ topic: string; messages: Message[] }> {
  const byTopic = new Map<string, Message[]>();
  for (const p of batch) {
    const messages = byTopic.get(p.topic);
    if (messages) messages.push(p.message);
    else byTopic.set(p.topic, [p.message]);
  }
  return [...byTopic.entries()].map(([topic, messages]) => ({ topic, messages }));
}
