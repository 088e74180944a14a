// Reads the service's topics back with a raw kafkajs consumer (independent of the code under test)
// and decodes every record with @tokenwarden/events.
import { decode, DecodedEvent, EventTypeName, EventValueMap } from '@tokenwarden/events';
import type { TopicNames } from '@tokenwarden/kafka';
import { waitFor } from '@tokenwarden/testing';
import { Consumer, Kafka, logLevel } from 'kafkajs';

export interface SeenRecord {
  readonly topic: string;
  readonly key: string | null;
  /** null for a tombstone. */
  readonly event: DecodedEvent | null;
}

export class EventLog {
  readonly records: SeenRecord[] = [];
  private constructor(private readonly consumer: Consumer, readonly topics: TopicNames) {}

  static async start(brokers: string[], topics: TopicNames): Promise<EventLog> {
    const kafka = new Kafka({ brokers, clientId: 'token-service-test-reader', logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: `reader-${topics.tokenEvents}-${Math.random()}`, maxWaitTimeInMs: 50 });
    const log = new EventLog(consumer, topics);
    await consumer.connect();
    await consumer.subscribe({ topics: [topics.tokenEvents, topics.keyEvents, topics.revocations], fromBeginning: true });
    let joined = false;
    consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
    await consumer.run({
      eachMessage: async ({ topic, message }) => {
        log.records.push({ topic, key: message.key?.toString('utf8') ?? null, event: message.value ? decode(message.value) : null });
      },
    });
    await waitFor(() => joined, 30000, { what: 'test reader joined its group' });
    return log;
  }

  /** Decoded events on token-events (the audit trail). */
  audit(): DecodedEvent[] {
    return this.records.filter((r) => r.topic === this.topics.tokenEvents && r.event).map((r) => r.event as DecodedEvent);
  }

  /** Audit events of one type matching `pred`. */
  of<T extends EventTypeName>(type: T, pred: (e: EventValueMap[T]) => boolean = () => true): EventValueMap[T][] {
    return this.audit().filter((e) => e.type === type).map((e) => e.value as EventValueMap[T]).filter(pred);
  }

  /** Waits until exactly-or-more `count` events match, then returns them. */
  async await<T extends EventTypeName>(type: T, pred: (e: EventValueMap[T]) => boolean, count = 1, timeoutMs = 15000): Promise<EventValueMap[T][]> {
    return waitFor(() => {
      const found = this.of(type, pred);
      return found.length >= count ? found : undefined;
    }, timeoutMs, { what: `${count} ${type} event(s)` });
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}
