/** What the cache knows of an event id: never seen, already acknowledged, or being published right now. */
export type SeenState = { kind: 'new' } | { kind: 'done' } | { kind: 'pending'; settled: Promise<boolean> };

interface Entry {
  /** When the id was acknowledged; undefined while its publish is in flight. */
  doneAtMs?: number;
  settled: Promise<boolean>;
}

/**
 * Event ids each producer already had acknowledged, so a retried request
 * publishes nothing twice. Bounded by count (oldest first out) and by age.
 * In memory and per process: a retry that reaches another instance, or comes
 * after a restart or eviction, is published again, and ClickHouse's
 * ReplacingMergeTree (keyed by event_id) and its deduplicating views absorb it.
 */
export class SeenEvents {
  private readonly byProducer = new Map<string, Map<string, Entry>>();

  constructor(
    private readonly maxIdsPerProducer: number,
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  state(producerId: string, eventId: string): SeenState {
    const ids = this.byProducer.get(producerId);
    const entry = ids?.get(eventId);
    if (!ids || !entry) return { kind: 'new' };
    if (entry.doneAtMs === undefined) return { kind: 'pending', settled: entry.settled };
    if (this.now() - entry.doneAtMs < this.ttlMs) return { kind: 'done' };
    ids.delete(eventId);
    return { kind: 'new' };
  }

  /**
   * Records that `eventId` is being published; `ack` settles when Kafka
   * acknowledged it (the id is then remembered) or failed (the id is forgotten,
   * so a retry publishes it).
   */
  track(producerId: string, eventId: string, ack: Promise<unknown>): void {
    if (this.maxIdsPerProducer === 0) return;
    let ids = this.byProducer.get(producerId);
    if (!ids) this.byProducer.set(producerId, (ids = new Map()));
    const entry: Entry = {
      settled: ack.then(
        () => {
          entry.doneAtMs = this.now();
          return true;
        },
        () => {
          if (ids.get(eventId) === entry) ids.delete(eventId);
          return false;
        },
      ),
    };
    ids.delete(eventId);
    ids.set(eventId, entry);
    this.evict(ids);
  }

  size(producerId: string): number {
    return this.byProducer.get(producerId)?.size ?? 0;
  }

  private evict(ids: Map<string, Entry>): void {
    const now = this.now();
    for (const [id, e] of ids) {
      const expired = e.doneAtMs !== undefined && now - e.doneAtMs >= this.ttlMs;
      if (ids.size <= this.maxIdsPerProducer && !expired) break;
      ids.delete(id);
    }
  }
}
