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
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((s) => ({
          topic: s.name,
          numPartitions: s.partitions,
          replicationFactor: 1,
          configEntries: Object.entries(s.config).map(([name, value]) => ({ name, value })),
        })),
      });
    }
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
