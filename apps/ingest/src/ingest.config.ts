import { hostname } from 'node:os';
import { ConfigOf, Field, field, infraSpec, parseConfig } from '@tokenwarden/config';

/** HMAC keys shorter than the hash output weaken the pseudonym (RFC 2104 §3). */
export const MIN_SUBJECT_KEY_BYTES = 32;

/**
 * A secret given as hex or base64url, at least `minBytes` long. The value
 * never appears in a problem message. (Same rules as the token service's
 * TW_SUBJECT_REF_KEY, so one key can serve both and pseudonyms line up.)
 */
export function secretKey(minBytes: number): Field<Buffer> {
  return {
    parse(raw, name) {
      const v = raw?.trim();
      if (!v) return { ok: false, problem: `${name} is required` };
      const bytes = /^[0-9a-fA-F]+$/.test(v) && v.length % 2 === 0 ? Buffer.from(v, 'hex')
        : /^[A-Za-z0-9_-]+$/.test(v) ? Buffer.from(v, 'base64url') : undefined;
      if (!bytes) return { ok: false, problem: `${name} must be hex or base64url` };
      if (bytes.length < minBytes) return { ok: false, problem: `${name} must be at least ${minBytes} bytes, got ${bytes.length}` };
      if (new Set(bytes).size < 8) return { ok: false, problem: `${name} has too little variety to be a random key` };
      return { ok: true, value: bytes };
    },
  };
}

/** Environment of the ingest; parsed once at boot into a frozen object. */
export const ingestSpec = {
  TW_KAFKA_BROKERS: infraSpec.TW_KAFKA_BROKERS,
  TW_KAFKA_CLIENT_ID: field.string({ default: 'tokenwarden-ingest' }),
  TW_TOPIC_PREFIX: infraSpec.TW_TOPIC_PREFIX,
  TW_TOPIC_PARTITIONS: infraSpec.TW_TOPIC_PARTITIONS,
  /** Create missing topics at boot (dev and tests); production topics come from infra. */
  TW_BOOTSTRAP_TOPICS: field.bool({ default: false }),
  TW_INGEST_PORT: field.int({ default: 8090, min: 0, max: 65535 }),
  TW_INGEST_HOST: field.string({ default: '0.0.0.0' }),
  /** JSON file of producers (API key hashes, services, tenants, adapters); see config/ingest-producers.json. */
  TW_INGEST_PRODUCERS_FILE: field.string(),
  /** HMAC key of subject_ref pseudonyms the adapters compute (hex or base64url, >= 32 bytes). */
  TW_SUBJECT_REF_KEY: secretKey(MIN_SUBJECT_KEY_BYTES),
  /** Request bodies larger than this are refused (413) before they are parsed. */
  TW_INGEST_MAX_BODY_BYTES: field.int({ default: 512 * 1024, min: 1024, max: 4 * 1024 * 1024 }),
  /** Events (or source events, for adapters) one request may carry. */
  TW_INGEST_MAX_EVENTS_PER_REQUEST: field.int({ default: 500, min: 1, max: 10000 }),
  /** Event ids remembered per producer for idempotent retries (per instance, in memory). */
  TW_INGEST_DEDUP_MAX_IDS: field.int({ default: 100000, min: 0, max: 10_000_000 }),
  TW_INGEST_DEDUP_TTL_SECONDS: field.int({ default: 86400, min: 1, max: 30 * 86400 }),
  /** An event_time further ahead of this process's clock is refused (the projector would park it). */
  TW_INGEST_MAX_FUTURE_SECONDS: field.int({ default: 3600, min: 0, max: 366 * 86400 }),
  /** How long a request waits for Kafka's acknowledgement before answering 503. */
  TW_INGEST_ACK_TIMEOUT_MS: field.int({ default: 10000, min: 100, max: 120000 }),
  /** Names this process in adapter-built event headers; empty: hostname and pid. */
  TW_INSTANCE_ID: field.string({ default: '' }),
  TW_SERVICE_VERSION: field.string({ default: '0.1.0' }),
};
export type IngestConfig = ConfigOf<typeof ingestSpec>;

/** Parses the environment once at boot; throws a ConfigError naming every bad variable. */
export const loadIngestConfig = (source: Record<string, string | undefined>): IngestConfig =>
  parseConfig(ingestSpec, source);

export const instanceIdOf = (config: IngestConfig): string => config.TW_INSTANCE_ID || `${hostname()}-${process.pid}`;
