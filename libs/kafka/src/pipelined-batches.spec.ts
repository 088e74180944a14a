import { EachBatchPayload } from 'kafkajs';
import { PipelinedBatches, SettledBatch } from './pipelined-batches';

/** A batch of offsets [first, first + size) of partition 0 with `lag` records after it, and what the fetch loop saw of it. */
function batch(first: number, size = 10, lag = 1000) {
  const resolved: string[] = [];
  let paused = 0;
  const payload = {
    batch: {
      topic: 't',
      partition: 0,
      messages: Array.from({ length: size }, (_, i) => ({ offset: String(first + i) })),
      lastOffset: () => String(first + size - 1),
      offsetLag: () => String(lag),
    },
    resolveOffset: (o: string) => resolved.push(o),
    isRunning: () => true,
    isStale: () => false,
    pause: () => {
      paused += 1;
      return () => undefined;
    },
  } as unknown as EachBatchPayload;
  return { payload, resolved, paused: () => paused };
}

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

/** The pipeline under test overlaps while 100 or more records are left after a batch. */
const OVERLAP_FROM_LAG = 100;

function setup() {
  const settles = new Map<EachBatchPayload, ReturnType<typeof deferred<SettledBatch>>>();
  const commits: string[] = [];
  const rewinds: string[] = [];
  const fatal: unknown[] = [];
  const landed: number[] = [];
  const pipeline = new PipelinedBatches({
    settle: (p) => {
      const d = deferred<SettledBatch>();
      settles.set(p, d);
      return d.promise;
    },
    landed: (_p, s) => landed.push(s.processed),
    commit: async (_t, _p, offset) => {
      commits.push(offset);
    },
    rewind: (p) => rewinds.push(p.batch.messages[0].offset),
    fatal: (e) => fatal.push(e),
  }, { overlapFromLag: OVERLAP_FROM_LAG });
  const settle = (p: EachBatchPayload, s: SettledBatch | Error) => {
    const d = settles.get(p)!;
    if (s instanceof Error) d.reject(s);
    else d.resolve(s);
  };
  const flush = () => new Promise((r) => setImmediate(r));
  return { pipeline, settle, flush, commits, rewinds, fatal, landed };
}

const ok = { processed: 10, deadLettered: 0 };

/** Batches a (offsets 0-9) and b (10-19) of one partition handed over, neither settled; bCall is b's eachBatch. */
async function twoInHand(t: ReturnType<typeof setup>) {
  const a = batch(0);
  const b = batch(10);
  await t.pipeline.onBatch(a.payload);
  return { a, b, bCall: t.pipeline.onBatch(b.payload) };
}

describe('PipelinedBatches', () => {
  it('moves the fetch position on at once and commits in partition order only after each handler resolved', async () => {
    const t = setup();
    const a = batch(0);
    const b = batch(10);
    await t.pipeline.onBatch(a.payload); // returns at once: nothing before it
    expect(a.resolved).toEqual(['9']);
    let bReturned = false;
    const bCall = t.pipeline.onBatch(b.payload).then(() => (bReturned = true));
    expect(b.resolved).toEqual(['19']);
    t.settle(b.payload, ok);
    await t.flush();
    expect(t.commits).toEqual([]); // b landed, a did not
    expect(bReturned).toBe(false); // at most two batches in hand
    t.settle(a.payload, ok);
    await bCall;
    await t.pipeline.drain();
    expect(t.commits).toEqual(['10', '20']);
    expect(t.landed).toEqual([10, 10]);
  });

  it('rewinds to a batch to retry and never commits the batches already in hand behind it', async () => {
    const t = setup();
    const { a, b, bCall } = await twoInHand(t);
    t.settle(b.payload, ok);
    t.settle(a.payload, 'retry');
    await bCall;
    await t.flush();
    expect(t.rewinds).toEqual(['0']);
    expect(t.commits).toEqual([]);
    // Read again from a: a new epoch, committed as usual.
    const again = batch(0, 20);
    await t.pipeline.onBatch(again.payload);
    t.settle(again.payload, { processed: 20, deadLettered: 0 });
    await t.pipeline.drain();
    expect(t.commits).toEqual(['20']);
  });

  it('reports a handler bug and commits nothing of that partition after it', async () => {
    const t = setup();
    const { a, b, bCall } = await twoInHand(t);
    t.settle(a.payload, new TypeError('bug'));
    t.settle(b.payload, ok);
    await bCall;
    await t.pipeline.drain();
    expect(t.fatal).toEqual([new TypeError('bug')]);
    expect(a.paused()).toBe(1);
    expect(t.commits).toEqual([]);
  });

  it('caught up (fewer records left than overlapFromLag), returns only once the batch landed and its commit is under way', async () => {
    const t = setup();
    const a = batch(0, 10, OVERLAP_FROM_LAG - 1);
    let aReturned = false;
    const aCall = t.pipeline.onBatch(a.payload).then(() => (aReturned = true));
    expect(a.resolved).toEqual(['9']);
    await t.flush();
    expect(aReturned).toBe(false); // the next fetch waits for this batch
    t.settle(a.payload, ok);
    await aCall;
    expect(t.commits).toEqual(['10']); // the commit was sent before eachBatch returned
    // Behind again: returns at once, as in the first case.
    await t.pipeline.onBatch(batch(10, 10, OVERLAP_FROM_LAG).payload);
    expect(t.commits).toEqual(['10']);
  });

  it('drain waits for the batches in hand and starts no new one', async () => {
    const t = setup();
    const a = batch(0);
    await t.pipeline.onBatch(a.payload);
    let drained = false;
    const draining = t.pipeline.drain().then(() => (drained = true));
    await t.pipeline.onBatch(batch(10).payload);
    expect(t.commits).toEqual([]);
    expect(drained).toBe(false);
    t.settle(a.payload, ok);
    await draining;
    expect(t.commits).toEqual(['10']);
  });
});
