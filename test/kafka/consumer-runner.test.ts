import { bootstrapTopics, ConsumedRecord, ConsumerRunner, DLQ_HEADERS, topicNames, topicSpecs } from '@tokenwarden/kafka';
import { uniqueName, waitFor } from '@tokenwarden/testing';
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
  const run = async (handler: ConstructorParameters<typeof ConsumerRunner>[2], onFatal?: (e: unknown) => void) => {
    const runner = new ConsumerRunner(conn, producer, handler, {
      groupId: uniqueName('group'),
      topics: [names.tokenEvents],
      deadLetterTopic: names.deadLetters,
      retryBaseMs: 50,
      retryMaxMs: 200,
      maxWaitTimeMs: 50,
      onFatal,
    });
    runners.push(runner);
    await runner.start();
    return runner;
  };
  const teardown = async () => {
    for (const r of runners) await r.stop();
    await producer.disconnect();
  };
  return { names, publish, run, teardown };
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

  it('parks poison records on dead-letters with their provenance and keeps the partition flowing', async () => {
    const t = await setup(1);
    try {
      const values = Array.from({ length: 40 }, (_, i) => (i % 10 === 5 ? `poison${i}` : `ok${i}`));
      await t.publish(values);
      const handled: string[] = [];
      const runner = await t.run(async (records) => {
        if (records.some((r) => text(r).startsWith('poison'))) throw new TestFailure('ERR_TEST_POISON', false);
        handled.push(...records.map(text));
      });
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

  it('stops loudly on a handler bug instead of retrying it', async () => {
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
        (e) => (fatal = e),
      );
      await waitFor(() => fatal !== undefined, 60000, { what: 'the consumer to report the bug' });
      expect(String(fatal)).toMatch(/bug/);
      expect(calls).toBeLessThan(10);
    } finally {
      await t.teardown();
    }
  });
});
