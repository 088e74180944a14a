import type { Admin } from 'kafkajs';
import { KafkaConnection } from './kafka-connection';

/** A partition and a position in it. */
export interface PartitionOffset {
  readonly partition: number;
  readonly offset: number;
}

/** One partition's extent: `low` is the first record still kept, `high` the offset the next record gets. */
export interface PartitionExtent {
  readonly partition: number;
  readonly low: number;
  readonly high: number;
}

/**
 * Offsets by position and by time, for services that replay or materialize a
 * topic (the detector's window rebuild, the revocation feed's catch-up). One
 * admin connection per call; a broker failure is an ERR_KAFKA_UNAVAILABLE
 * KafkaAdapterError naming the brokers and the action.
 */
export class TopicOffsets {
  constructor(private readonly conn: KafkaConnection) {}

  /** low/high per partition. */
  extents(topic: string): Promise<PartitionExtent[]> {
    return this.withAdmin(`read the offsets of ${topic}`, async (admin) => {
      const offsets = await admin.fetchTopicOffsets(topic);
      return offsets.map((o) => ({ partition: o.partition, low: Number(o.low), high: Number(o.high) }));
    });
  }

  /** Per partition, the offset of the first record at or after `timestampMs` (the high offset when none). */
  atTimestamp(topic: string, timestampMs: number): Promise<PartitionOffset[]> {
    return this.withAdmin(`find the offsets of ${topic} at ${timestampMs}`, async (admin) => {
      const at = await admin.fetchTopicOffsetsByTimestamp(topic, Math.max(0, Math.floor(timestampMs)));
      return at.map((o) => ({ partition: o.partition, offset: Number(o.offset) }));
    });
  }

  /** The group's committed offset per partition of `topic`; -1 where it never committed. */
  committed(groupId: string, topic: string): Promise<PartitionOffset[]> {
    return this.withAdmin(`read the offsets of group ${groupId}`, async (admin) => {
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      return committed.partitions.map((p) => ({ partition: p.partition, offset: Number(p.offset) }));
    });
  }

  /** Commits `offsets` for a group with no members (e.g. its first start); false when the group is active. */
  setCommitted(groupId: string, topic: string, offsets: readonly PartitionOffset[]): Promise<boolean> {
    if (offsets.length === 0) return Promise.resolve(true);
    return this.withAdmin(`set the offsets of group ${groupId}`, async (admin) => {
      try {
        await admin.setOffsets({ groupId, topic, partitions: offsets.map((o) => ({ partition: o.partition, offset: String(o.offset) })) });
        return true;
      } catch (err) {
        // kafkajs refuses to set the offsets of a group that has members.
        if ((err as Error).name === 'KafkaJSNonRetriableError') return false;
        throw err;
      }
    });
  }

  /** Removes a consumer group that has no members (a throwaway reader's). */
  deleteGroup(groupId: string): Promise<void> {
    return this.withAdmin(`delete group ${groupId}`, async (admin) => {
      await admin.deleteGroups([groupId]);
    });
  }

  /**
   * Right after a topic or the broker is created, requests meet retriable
   * errors for a moment (NOT_LEADER..., NOT_COORDINATOR while the group
   * coordinator loads): each call retries them for up to 5 s.
   */
  private async withAdmin<T>(action: string, work: (admin: Admin) => Promise<T>): Promise<T> {
    const admin = this.conn.client.admin();
    try {
      await admin.connect();
      for (let attempt = 1; ; attempt++) {
        try {
          return await work(admin);
        } catch (err) {
          if (!(err as { retriable?: boolean }).retriable || attempt >= 20) throw err;
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      }
    } catch (err) {
      throw this.conn.unavailable(action, err);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
}
