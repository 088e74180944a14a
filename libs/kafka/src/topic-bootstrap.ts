import { KafkaConnection } from './kafka-connection';
import { KafkaAdapterError } from './kafka-error';
import { TopicSpec } from './topics';

export interface BootstrapReport {
  created: string[];
  existing: string[];
}

/**
 * Creates every topic in `specs` that does not exist yet; existing topics are
 * left alone (idempotent), but one with fewer partitions than asked is an error,
 * because keyed ordering assumptions would silently break.
 */
export async function bootstrapTopics(conn: KafkaConnection, specs: readonly TopicSpec[]): Promise<BootstrapReport> {
  const admin = conn.client.admin();
  try {
    await admin.connect();
    const present = new Set(await admin.listTopics());
    const missing = specs.filter((s) => !present.has(s.name));
    if (missing.length > 0) {
      // kafkajs's own leader wait gives up on UNKNOWN_TOPIC_OR_PARTITION, which a
      // KRaft broker answers while its metadata cache lags the controller (seen
      // when several clients create topics at once); waitForLeaders retries it.
      await admin.createTopics({
        waitForLeaders: false,
        topics: missing.map((s) => ({
          topic: s.name,
          numPartitions: s.partitions,
          replicationFactor: 1,
          configEntries: Object.entries(s.config).map(([name, value]) => ({ name, value })),
        })),
      });
    }
    await waitForLeaders(admin, specs.map((s) => s.name));
    const existing = specs.filter((s) => present.has(s.name));
    await checkPartitions(admin, existing);
    return { created: missing.map((s) => s.name), existing: existing.map((s) => s.name) };
  } catch (err) {
    if (err instanceof KafkaAdapterError) throw err;
    throw conn.unavailable('create topics', err);
  } finally {
    await admin.disconnect();
  }
}

type Admin = ReturnType<KafkaConnection['client']['admin']>;

const METADATA_LAG = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE']);

/** Waits until every partition of `topics` has a leader, retrying while broker metadata catches up. */
async function waitForLeaders(admin: Admin, topics: readonly string[], timeoutMs = 15000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const meta = await admin.fetchTopicMetadata({ topics: [...topics] });
      if (meta.topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) return;
    } catch (err) {
      const e = err as { type?: string; originalError?: { type?: string } };
      if (!METADATA_LAG.has(e.type ?? e.originalError?.type ?? '') || Date.now() > deadline) throw err;
    }
    if (Date.now() > deadline) throw new Error(`topics ${topics.join(', ')} have no leader after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function checkPartitions(admin: Admin, specs: readonly TopicSpec[]): Promise<void> {
  if (specs.length === 0) return;
  const meta = await admin.fetchTopicMetadata({ topics: specs.map((s) => s.name) });
  for (const spec of specs) {
    const found = meta.topics.find((t) => t.name === spec.name)?.partitions.length ?? 0;
    if (found < spec.partitions) {
      throw new KafkaAdapterError(
        'ERR_KAFKA_TOPIC_BOOTSTRAP',
        `topic ${spec.name} has ${found} partitions, configured ${spec.partitions}`,
        false,
      );
    }
  }
}
