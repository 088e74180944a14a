import type { KafkaMessage } from 'kafkajs';

/** A record to publish. Values are already encoded (Avro single-object bytes). */
export interface OutgoingRecord {
  topic: string;
  key: string | Buffer | null;
  value: Buffer | null;
  headers?: Record<string, string>;
  /** Event time in ms; Kafka stores it as the record timestamp. */
  timestampMs?: number;
}

/** A consumed record, in our own shape (kafkajs types stay inside this lib). */
export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
  timestampMs: number;
}

/** A kafkajs message in our shape (header values as strings, first value of a repeated header). */
export function consumedRecord(topic: string, partition: number, m: KafkaMessage): ConsumedRecord {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(m.headers ?? {})) {
    if (v !== undefined) headers[k] = Array.isArray(v) ? String(v[0]) : String(v);
  }
  return { topic, partition, offset: m.offset, key: m.key, value: m.value, headers, timestampMs: Number(m.timestamp) };
}
