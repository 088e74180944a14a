import { AuditBuffer } from './audit-buffer';

/** A sink that is "down" until told otherwise; publishes are settled by the test, not by timers. */
function setup(o: { capacity: number; maxBatch: number }) {
  const sink = { down: true, published: [] as number[], calls: 0 };
  let dropped = 0;
  const buffer = new AuditBuffer<number>(
    {
      publishAll: async (records) => {
        sink.calls += 1;
        if (sink.down) throw new Error('broker unreachable');
        sink.published.push(...records);
      },
    },
    { ...o, flushIntervalMs: 100, onDrop: (n) => (dropped += n) },
  );
  return { sink, buffer, dropped: () => dropped };
}

describe('AuditBuffer', () => {
  it('full while Kafka is down: offer never blocks or throws, the oldest are dropped and counted', async () => {
    const { sink, buffer, dropped } = setup({ capacity: 5, maxBatch: 3 });
    for (let i = 1; i <= 12; i++) buffer.offer(i);
    expect(buffer.size).toBe(5);
    expect([buffer.dropped, dropped()]).toEqual([7, 7]);
    await buffer.flushOnce();
    expect(sink.calls).toBe(1);
    expect(buffer.size).toBe(5); // the failed batch went back, nothing lost by the failure itself
    sink.down = false;
    await buffer.flushOnce();
    await buffer.flushOnce();
    expect(sink.published).toEqual([8, 9, 10, 11, 12]); // the newest survive, in order
    expect(buffer.size).toBe(0);
  });

  it('records offered while a batch is in flight and fails: the batch goes back in order, the oldest beyond capacity are dropped', async () => {
    const { sink, buffer } = setup({ capacity: 4, maxBatch: 3 });
    for (let i = 1; i <= 4; i++) buffer.offer(i);
    const flight = buffer.flushOnce(); // takes 1, 2, 3
    for (let i = 5; i <= 8; i++) buffer.offer(i); // 8 pushes out 4; when the batch fails and returns, 1-3 are the oldest
    await flight;
    expect(buffer.size).toBe(4);
    sink.down = false;
    await buffer.flushOnce();
    await buffer.flushOnce();
    expect(sink.published).toEqual([5, 6, 7, 8]);
    expect(buffer.dropped).toBe(4);
  });

  it('publishes in batches of at most maxBatch, in order, and counts nothing as dropped', async () => {
    const { sink, buffer } = setup({ capacity: 100, maxBatch: 4 });
    sink.down = false;
    for (let i = 1; i <= 10; i++) buffer.offer(i);
    await buffer.flushOnce();
    expect(sink.published).toEqual([1, 2, 3, 4]);
    await buffer.stop(1000);
    expect(sink.published).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect([sink.calls, buffer.dropped]).toEqual([3, 0]);
  });

  it('stop gives up on a down sink instead of hanging', async () => {
    const { sink, buffer } = setup({ capacity: 10, maxBatch: 5 });
    buffer.offer(1);
    await buffer.stop(60_000);
    expect([sink.calls, buffer.size]).toEqual([1, 1]);
  });

  it('refuses a zero capacity', () => {
    expect(() => new AuditBuffer({ publishAll: async () => undefined }, { capacity: 0, maxBatch: 1, flushIntervalMs: 1 })).toThrow(RangeError);
  });
});
