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
