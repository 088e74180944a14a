import { ConfigOf, field, infraSpec, parseConfig } from '@tokenwarden/config';

/** Environment of the detector: the shared infrastructure variables plus its own. */
export const detectorSpec = {
  ...infraSpec,
  TW_DETECTOR_GROUP: field.string({ default: 'tokenwarden-detector' }),
  TW_DETECTOR_RULES_FILE: field.string({ default: 'config/detection-rules.json' }),
  TW_POLICY_FILE: field.string({ default: 'config/policy.json' }),
  /** Alerts go to this topic; empty: the prefixed `alerts` topic. */
  TW_DETECTOR_ALERTS_TOPIC: field.string({ default: '' }),
  /** Port of /metrics and /health; 0 picks a free port (logged at start). */
  TW_DETECTOR_METRICS_PORT: field.int({ default: 9465, min: 0, max: 65535 }),
  /** Names this process in alert headers; empty: hostname and pid. */
  TW_DETECTOR_INSTANCE: field.string({ default: '' }),
  TW_SERVICE_VERSION: field.string({ default: '0.1.0' }),
  /** Cap on tracked keys per rule; the least recently touched key is evicted beyond it. */
  TW_DETECTOR_MAX_KEYS_PER_RULE: field.int({ default: 1_000_000, min: 100, max: 50_000_000 }),
  /** Follow-up (UPDATED) versions of one alert are published at most this often; new alerts at once. */
  TW_DETECTOR_UPDATE_INTERVAL_MS: field.int({ default: 1000, min: 0, max: 600000 }),
  /** Event times further ahead of the wall clock than this do not move the eviction clock. */
  TW_DETECTOR_MAX_FUTURE_SECONDS: field.int({ default: 300, min: 0, max: 86400 }),
  /**
   * Rebuild windows (token-events) and open incidents (alerts) from Kafka at
   * start. Only the fault test's negative control turns it off.
   */
  TW_DETECTOR_REPLAY: field.bool({ default: true }),
  TW_DETECTOR_MIN_BYTES: field.int({ default: 1, min: 1, max: 64 * 1024 * 1024 }),
  TW_DETECTOR_MAX_WAIT_MS: field.int({ default: 100, min: 10, max: 60000 }),
  /**
   * Partitions whose batches are handled at the same time: while one batch
   * waits for its alerts to be acknowledged, another one is counted.
   */
  TW_DETECTOR_PARTITIONS_CONCURRENTLY: field.int({ default: 3, min: 1, max: 64 }),
  TW_DETECTOR_MAX_BYTES_PER_PARTITION: field.int({ default: 1024 * 1024, min: 1024, max: 256 * 1024 * 1024 }),
  TW_DETECTOR_RETRY_BASE_MS: field.int({ default: 200, min: 1, max: 60000 }),
  TW_DETECTOR_RETRY_MAX_MS: field.int({ default: 30000, min: 1, max: 600000 }),
  TW_DETECTOR_SESSION_TIMEOUT_MS: field.int({ default: 30000, min: 6000, max: 300000 }),
  /** A record larger than this is not decoded (counted as undecodable). */
  TW_DETECTOR_MAX_RECORD_BYTES: field.int({ default: 128 * 1024, min: 1024, max: 16 * 1024 * 1024 }),
};
export type DetectorConfig = ConfigOf<typeof detectorSpec>;

/** Parses the environment once at boot; throws a ConfigError naming every bad variable. */
export const loadDetectorConfig = (source: Record<string, string | undefined>): DetectorConfig =>
  parseConfig(detectorSpec, source);
