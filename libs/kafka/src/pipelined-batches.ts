import { EachBatchPayload } from 'kafkajs';

/** What became of one batch in the handler: done (rows landed or parked, with counts) or to be retried. */
export type SettledBatch = { processed: number; deadLettered: number } | 'retry';

export interface PipelinedBatchesDeps {
  /** Runs the handler over the batch and parks its poison; rejects only on a bug. */
  settle(payload: EachBatchPayload): Promise<SettledBatch>;
  /** Counts a batch whose offsets are about to be committed. */
  landed(payload: EachBatchPayload, settled: { processed: number; deadLettered: number }): void;
  /** Commits `offset` (the next one to read) of the batch's partition; must not throw for a lost generation. */
  commit(topic: string, partition: number, offset: string): Promise<void>;
  /** The batch must be read again: seek back to its first offset, pause the partition, resume after backoff. */
  rewind(payload: EachBatchPayload): void;
  /** A bug in the handler: nothing of this partition is committed any more. */
  fatal(err: unknown): void;
}

/** One partition's chain of batches in hand. */
interface Lane {
  /** Settles when the last batch handed over was committed or given up. */
  tail: Promise<void>;
  /** Bumped when a batch must be read again: results of batches of an older epoch are never committed. */
  epoch: number;
}

/**
 * eachBatch for a pipelined ConsumerRunner. kafkajs fetches again only when
 * every eachBatch of a fetch returned; here eachBatch resolves the batch's
 * last offset at once (the fetch position moves on) and starts the handler.
 * While the partition is behind (at least `overlapFromLag` records after
 * this batch) it returns as soon as the partition's previous batch is done,
 * so the next fetch and its handling overlap the slow end of this one (an
 * insert landing), at most two batches per partition in hand: a backlog
 * drains faster. Caught up, it returns only once this batch landed, as the
 * serial runner does: under open load, overlapping only adds fetches and
 * smaller inserts beside the latency-bound consumers. (kafkajs sends
 * fetches on a connection of their own, so a fetch waiting for new records
 * does not hold up the commits.)
 *
 * Offsets are committed explicitly (kafkajs runs with `autoCommit: false`),
 * per partition in fetch order, only after the batch's handler resolved and
 * every earlier batch of the partition was committed. A batch to retry bumps
 * the partition's epoch, so the later batches already in hand are dropped
 * uncommitted, and rewinds the fetch position to its first offset.
 */
export class PipelinedBatches {
  private readonly lanes = new Map<string, Lane>();
  private readonly inHand = new Set<Promise<void>>();
  private stopping = false;

  constructor(
    private readonly deps: PipelinedBatchesDeps,
    private readonly options: {
      /** Records left in the partition after a batch at or above which the next fetch overlaps it (0: always). */
      overlapFromLag: number;
    },
  ) {}

  readonly onBatch = async (payload: EachBatchPayload): Promise<void> => {
    const { batch } = payload;
    if (this.stopping || batch.messages.length === 0 || !payload.isRunning() || payload.isStale()) return;
    const lane = this.lane(`${batch.topic}/${batch.partition}`);
    const previous = lane.tail;
    payload.resolveOffset(batch.lastOffset());
    let committing!: () => void;
    const commitSent = new Promise<void>((resolve) => (committing = resolve));
    const done = this.follow(lane, lane.epoch, previous, payload, committing);
    lane.tail = done;
    this.inHand.add(done);
    const forget = () => this.inHand.delete(done);
    done.then(forget, forget);
    const behind = Number(batch.offsetLag()) >= this.options.overlapFromLag;
    // Caught up: the next fetch waits until this batch landed (or was given up); its commit need not be awaited, it goes in order.
    await (behind ? previous : Promise.race([commitSent, done]));
  };

  /** No more batches are started; resolves when every batch in hand was committed or given up. */
  async drain(): Promise<void> {
    this.stopping = true;
    while (this.inHand.size > 0) await Promise.all(this.inHand);
  }

  /** Settles the batch, then commits it in order; calls `committing` once its commit is under way. */
  private async follow(lane: Lane, epoch: number, previous: Promise<void>, payload: EachBatchPayload, committing: () => void): Promise<void> {
    const { batch } = payload;
    const settled = await this.deps.settle(payload).catch((err: unknown) => ({ bug: err }));
    await previous;
    if (lane.epoch !== epoch) return; // an earlier batch of this partition is read again, this one with it
    if (typeof settled === 'object' && 'bug' in settled) {
      lane.epoch += 1;
      payload.pause();
      this.deps.fatal(settled.bug);
      return;
    }
    if (settled === 'retry') {
      lane.epoch += 1;
      this.deps.rewind(payload);
      return;
    }
    this.deps.landed(payload, settled);
    const committed = this.deps.commit(batch.topic, batch.partition, (BigInt(batch.lastOffset()) + 1n).toString());
    committing();
    await committed;
  }

  private lane(key: string): Lane {
    let lane = this.lanes.get(key);
    if (!lane) this.lanes.set(key, (lane = { tail: Promise.resolve(), epoch: 0 }));
    return lane;
  }
}
