import { bootstrapTopics, ConsumedRecord, ConsumerRunner, DLQ_HEADERS, topicNames, topicSpecs } from '@tokenwarden/kafka';
import { uniqueName, waitFor } from '@tokenwarden/testing';
import { Admin } from 'kafkajs';
import { connectedProducer, readTopic, testConnection } from './kafka-fixture';

class TestFailure extends Error {
  constructor(
    readonly code: string,
    readonly retriable: boolean,
  ) {
    super(code);
  }
}

async function setup(partitions: number) {
  const names = topicNames(`${uniqueName('runner')}.`);
  const conn = testConnection('runner-test');
  await bootstrapTopics(conn, topicSpecs(names, partitions));
  const producer = await connectedProducer(conn);
  const publish = (values: string[]) =>
    producer.publishAll(values.map((v) => ({ topic: names.tokenEvents, key: 'k', value: Buffer.from(v) })));
  const runners: ConsumerRunner[] = [];
  const groupId = uniqueName('group');
  const run = async (handler: ConstructorParameters<typeof ConsumerRunner>[2], o: RunOptions = {}) => {
    const runner = new ConsumerRunner(conn, producer, handler, {
      groupId,
      topics: [names.tokenEvents],
      deadLetterTopic: names.deadLetters,
      retryBaseMs: 50,
      retryMaxMs: 200,
      maxWaitTimeMs: 50,
      overlapFromLag: o.pipelined ? 0 : undefined,
      // Tiny fetches: Kafka still returns the first record batch whole, so each publish call below is one batch.
      maxBytesPerPartition: o.oneBatchPerFetch ? 64 : undefined,
      onFatal: o.onFatal,
    });
    runners.push(runner);
    await runner.start();
    return runner;
  };
  let admin: Admin | undefined;
  /** The group's committed offset of partition 0 (-1: none yet), read by an admin client. */
  const committed = async (): Promise<number> => {
    if (!admin) {
      admin = conn.client.admin();
      await admin.connect();
    }
    const [topic] = await admin.fetchOffsets({ groupId, topics: [names.tokenEvents] });
    return Number(topic.partitions.find((p) => p.partition === 0)?.offset ?? -1);
  };
  const teardown = async () => {
    for (const r of runners) await r.stop();
    await admin?.disconnect();
    await producer.disconnect();
  };
  return { names, publish, run, committed, teardown };
}

interface RunOptions {
  pipelined?: boolean;
  oneBatchPerFetch?: boolean;
  onFatal?: (e: unknown) => void;
}

/** Publishes each group of values in its own produce request, so each is one record batch on the partition. */
async function publishBatches(t: { publish: (values: string[]) => Promise<void> }, prefixes: string[], size = 10): Promise<void> {
  for (const p of prefixes) await t.publish(Array.from({ length: size }, (_, i) => `${p}${i}`));
}

/** A promise and the function that resolves it. */
function gate(): { open: () => void; opened: Promise<void> } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

const text = (r: ConsumedRecord) => r.value?.toString() ?? '';

describe('ConsumerRunner (real Kafka)', () => {
  it('retries a retriable failure without losing or skipping a record', async () => {
    const t = await setup(1);
    try {
      const values = Array.from({ length: 60 }, (_, i) => `v${i}`);
      await t.publish(values);
      const handled: string[] = [];
      let failures = 0;
      const runner = await t.run(async (records) => {
        if (records.some((r) => text(r) === 'v30') && failures < 3) {
          failures += 1;
          throw new TestFailure('ERR_TEST_DOWN', true);
        }
        handled.push(...records.map(text));
      });
      await waitFor(() => handled.length >= 60, 30000, { what: 'all 60 records handled' });
      expect(failures).toBe(3);
      expect(handled).toEqual(values); // in order, each once: nothing skipped, nothing replayed after success
      expect(runner.stats.snapshot()[`${t.names.tokenEvents}/0`]).toMatchObject({ processed: 60, deadLettered: 0, retries: 3 });
    } finally {
      await t.teardown();
    }
  });

  it.each([false, true])('parks poison records on dead-letters with their provenance and keeps the partition flowing (pipelined: %s)', async (pipelined) => {
    const t = await setup(1);
    try {
      const values = Array.from({ length: 40 }, (_, i) => (i % 10 === 5 ? `poison${i}` : `ok${i}`));
      await t.publish(values);
      const handled: string[] = [];
      const runner = await t.run(
        async (records) => {
          if (records.some((r) => text(r).startsWith('poison'))) throw new TestFailure('ERR_TEST_POISON', false);
          handled.push(...records.map(text));
        },
        { pipelined },
      );
      await waitFor(() => handled.length >= 36, 30000, { what: '36 good records handled' });
      const parked = await readTopic(t.names.deadLetters, 4);
      expect(parked.map(text).sort()).toEqual(['poison15', 'poison25', 'poison35', 'poison5']);
      for (const p of parked) {
        const i = Number(text(p).slice('poison'.length));
        expect(p.headers).toMatchObject({
          [DLQ_HEADERS.sourceTopic]: t.names.tokenEvents,
          [DLQ_HEADERS.sourcePartition]: '0',
          [DLQ_HEADERS.sourceOffset]: String(i),
          [DLQ_HEADERS.errorCode]: 'ERR_TEST_POISON',
          [DLQ_HEADERS.attempts]: '1',
        });
      }
      expect(handled).toEqual(values.filter((v) => v.startsWith('ok')));
      expect(runner.stats.snapshot()[`${t.names.tokenEvents}/0`]).toMatchObject({ processed: 36, deadLettered: 4 });
    } finally {
      await t.teardown();
    }
  });

  it.each([false, true])('stops loudly on a handler bug instead of retrying it (pipelined: %s)', async (pipelined) => {
    const t = await setup(1);
    try {
      await t.publish(['x']);
      let fatal: unknown;
      let calls = 0;
      await t.run(
        async () => {
          calls += 1;
          throw new TypeError('bug');
        },
        { pipelined, onFatal: (e) => (fatal = e) },
      );
      await waitFor(() => fatal !== undefined, 60000, { what: 'the consumer to report the bug' });
      expect(String(fatal)).toMatch(/bug/);
      expect(calls).toBeLessThan(10);
    } finally {
      await t.teardown();
    }
  });

  describe('pipelined', () => {
    it('fetches the next batch while one is in hand, and commits each only after its handler resolved, in order', async () => {
      const t = await setup(1);
      try {
        await publishBatches(t, ['a', 'b', 'c']);
        const first = gate();
        const started: string[] = [];
        const resolved: string[] = [];
        await t.run(
          async (records) => {
            started.push(text(records[0]));
            if (text(records[0]) === 'a0') await first.opened;
            resolved.push(text(records[0]));
          },
          { pipelined: true, oneBatchPerFetch: true },
        );
        await waitFor(() => resolved.includes('b0'), 30000, { what: 'batch b handled while a is held' });
        expect(started).toEqual(['a0', 'b0']); // at most two batches of a partition in hand
        expect(await t.committed()).toBe(-1); // b landed, but a did not: nothing committed
        first.open();
        await waitFor(async () => (await t.committed()) === 30, 30000, { what: 'all three batches committed' });
        expect(resolved).toEqual(['b0', 'a0', 'c0']);
      } finally {
        await t.teardown();
      }
    });

    it('a retriable failure of batch k rewinds to it and commits nothing past it until it lands', async () => {
      const t = await setup(1);
      try {
        await publishBatches(t, ['a', 'b', 'c']);
        const handled: string[] = [];
        const committedAtRetry: number[] = [];
        let failures = 0;
        const runner = await t.run(
          async (records) => {
            const first = text(records[0]);
            if (first === 'b0' && failures < 2) {
              if (failures > 0) committedAtRetry.push(await t.committed());
              // Fail only once batch c (fetched behind b) has landed: its result must not be committed.
              await waitFor(() => handled.filter((v) => v === 'c0').length > failures, 30000, { what: 'batch c handled behind b' });
              failures += 1;
              throw new TestFailure('ERR_TEST_DOWN', true);
            }
            if (first === 'b0') committedAtRetry.push(await t.committed());
            handled.push(...records.map(text));
          },
          { pipelined: true, oneBatchPerFetch: true },
        );
        await waitFor(async () => (await t.committed()) === 30, 30000, { what: 'all three batches committed' });
        expect(failures).toBe(2);
        expect(committedAtRetry).toEqual([10, 10]); // c landed twice meanwhile, yet the group stayed at b's first offset
        expect(new Set(handled).size).toBe(30); // nothing skipped
        expect(handled.filter((v) => v === 'c0')).toHaveLength(3); // read again behind each attempt of b
        expect(runner.stats.snapshot()[`${t.names.tokenEvents}/0`]).toMatchObject({ processed: 30, retries: 2 });
      } finally {
        await t.teardown();
      }
    });

    it('stop lets the batches in hand land and commits them before it disconnects', async () => {
      const t = await setup(1);
      try {
        await publishBatches(t, ['a', 'b']);
        const second = gate();
        const started: string[] = [];
        const resolved: string[] = [];
        const runner = await t.run(
          async (records) => {
            started.push(text(records[0]));
            if (text(records[0]) === 'b0') await second.opened;
            resolved.push(text(records[0]));
          },
          { pipelined: true, oneBatchPerFetch: true },
        );
        await waitFor(async () => started.includes('b0') && (await t.committed()) === 10, 30000, { what: 'a committed, b in hand' });
        const stopped = runner.stop();
        setTimeout(second.open, 300);
        await stopped;
        expect(resolved).toEqual(['a0', 'b0']);
        expect(await t.committed()).toBe(20);
      } finally {
        await t.teardown();
      }
    });
  });
});
