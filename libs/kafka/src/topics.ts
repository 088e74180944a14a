/** Logical topic names of the pipeline, after the configured prefix. */
export interface TopicNames {
  readonly tokenEvents: string;
  readonly keyEvents: string;
  readonly revocations: string;
  readonly alerts: string;
  readonly deadLetters: string;
}

export function topicNames(prefix = ''): TopicNames {
  return Object.freeze({
    tokenEvents: `${prefix}token-events`,
    keyEvents: `${prefix}key-events`,
    revocations: `${prefix}revocations`,
    alerts: `${prefix}alerts`,
    deadLetters: `${prefix}dead-letters`,
  });
}

export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  readonly config: Readonly<Record<string, string>>;
}

const KEEP_FOREVER = { 'retention.ms': '-1' };

/**
 * What each topic must look like. `revocations` is compacted (keyed by iss+jti,
 * tombstoned after the token's expiry); the audit topics keep everything so
 * any reader can be rebuilt from the log.
 */
export function topicSpecs(names: TopicNames, partitions: number): TopicSpec[] {
  return [
    { name: names.tokenEvents, partitions, config: KEEP_FOREVER },
    { name: names.keyEvents, partitions: 1, config: KEEP_FOREVER },
    {
      name: names.revocations,
      partitions,
      config: { 'cleanup.policy': 'compact', 'min.cleanable.dirty.ratio': '0.1', 'delete.retention.ms': '86400000' },
    },
    { name: names.alerts, partitions, config: KEEP_FOREVER },
    { name: names.deadLetters, partitions: 1, config: KEEP_FOREVER },
  ];
}
