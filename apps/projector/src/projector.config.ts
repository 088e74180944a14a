import { ConfigOf, field, infraSpec, parseConfig } from '@tokenwarden/config';

/**
 * Environment of the projector: the shared infrastructure variables plus its
 * own. Batching is by size (TW_PROJECTOR_MIN_BYTES) and by time
 * (TW_PROJECTOR_MAX_WAIT_MS), whichever is reached first.
 */
export const projectorSpec = {
  ...infraSpec,
  TW_PROJECTOR_GROUP: field.string({ default: 'tokenwarden-projector' }),
  /** Port of /metrics and /health; 0 picks a free port (logged at start). */
  TW_PROJECTOR_METRICS_PORT: field.int({ default: 9464, min: 0, max: 65535 }),
  TW_PROJECTOR_MIN_BYTES: field.int({ default: 65536, min: 1, max: 64 * 1024 * 1024 }),
  TW_PROJECTOR_MAX_WAIT_MS: field.int({ default: 500, min: 10, max: 60000 }),
  TW_PROJECTOR_MAX_BYTES_PER_PARTITION: field.int({ default: 16 * 1024 * 1024, min: 1024, max: 256 * 1024 * 1024 }),
  /** One fetch over all partitions; with MAX_BYTES_PER_PARTITION it bounds memory and insert size. */
  TW_PROJECTOR_MAX_FETCH_BYTES: field.int({ default: 64 * 1024 * 1024, min: 1024, max: 1024 * 1024 * 1024 }),
  /** Partitions projected at once (their rows share inserts): at least the partitions one instance owns. */
  TW_PROJECTOR_PARTITIONS_CONCURRENTLY: field.int({ default: 16, min: 1, max: 64 }),
  /** An insert goes out at this many rows (a quarter while no insert runs) even while the partitions in hand are still being projected. */
  TW_PROJECTOR_MAX_INSERT_ROWS: field.int({ default: 32768, min: 1, max: 1048576 }),
  /**
   * Catch-up: while a partition has at least this many records left after a
   * batch, the next batch is fetched and projected while the last inserts land
   * (ConsumerRunner `overlapFromLag`; offsets still follow the inserts), so a
   * backlog drains faster. Caught up, each fetch waits for the last batch to
   * land: under open load, overlapping raised the detector's alert p99 on a
   * host shared with ClickHouse (bench/projector/README.md). 0: always overlap.
   */
  TW_PROJECTOR_CATCH_UP_LAG: field.int({ default: 1000, min: 0, max: 2147483647 }),
  /** Inserts in flight at once; rows projected meanwhile wait and go out together. */
  TW_PROJECTOR_INSERTS_IN_FLIGHT: field.int({ default: 2, min: 1, max: 16 }),
  /** A record larger than this is dead-lettered unread (ERR_PROJECTOR_TOO_LARGE). */
  TW_PROJECTOR_MAX_RECORD_BYTES: field.int({ default: 128 * 1024, min: 1024, max: 16 * 1024 * 1024 }),
  /** An event_time further ahead of the projector's clock than this breaks a field rule. */
  TW_PROJECTOR_MAX_FUTURE_SECONDS: field.int({ default: 3600, min: 0, max: 366 * 86400 }),
  TW_PROJECTOR_RETRY_BASE_MS: field.int({ default: 200, min: 1, max: 60000 }),
  TW_PROJECTOR_RETRY_MAX_MS: field.int({ default: 30000, min: 1, max: 600000 }),
  TW_PROJECTOR_INSERT_TIMEOUT_MS: field.int({ default: 30000, min: 100, max: 600000 }),
  TW_PROJECTOR_SESSION_TIMEOUT_MS: field.int({ default: 30000, min: 6000, max: 300000 }),
};
export type ProjectorConfig = ConfigOf<typeof projectorSpec>;

/** Parses the environment once at boot; throws a ConfigError naming every bad variable. */
export const loadProjectorConfig = (source: Record<string, string | undefined>): ProjectorConfig =>
  parseConfig(projectorSpec, source);
