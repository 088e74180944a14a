/** Per-partition counters of one runner, for metrics and for the fault-test oracle. */
export interface PartitionCounters {
  processed: number;
  deadLettered: number;
  retries: number;
  /** Records behind the high watermark when the partition was last fetched (a gauge, not a counter). */
  lag: number;
}

export class PartitionStats {
  private readonly byPartition = new Map<string, PartitionCounters>();

  /** Adds the counters in `delta`; `lag`, when given, replaces the last value. */
  add(topic: string, partition: number, delta: Partial<PartitionCounters>): void {
    const key = `${topic}/${partition}`;
    const c = this.byPartition.get(key) ?? { processed: 0, deadLettered: 0, retries: 0, lag: 0 };
    c.processed += delta.processed ?? 0;
    c.deadLettered += delta.deadLettered ?? 0;
    c.retries += delta.retries ?? 0;
    if (delta.lag !== undefined) c.lag = delta.lag;
    this.byPartition.set(key, c);
  }

  /** A copy keyed by "topic/partition". */
  snapshot(): Record<string, PartitionCounters> {
    return Object.fromEntries([...this.byPartition.entries()].map(([k, v]) => [k, { ...v }]));
  }
}
