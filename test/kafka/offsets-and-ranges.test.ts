import { bootstrapTopics, ConsumedRecord, readRanges, topicNames, topicSpecs, TopicOffsets } from '@tokenwarden/kafka';
import { uniqueName } from '@tokenwarden/testing';
import { loadInfraConfig } from '@tokenwarden/config';
import { Kafka, logLevel } from 'kafkajs';
import { testConnection } from './kafka-fixture';

const T0 = Date.UTC(2026, 0, 1);

/** 3 partitions; partition p holds records "p-0" … "p-9" with timestamps T0 + i seconds. */
async function setup() {
  const names = topicNames(`${uniqueName('offsets')}.`);
  const conn = testConnection('offsets-test');
  await bootstrapTopics(conn, topicSpecs(names, 3));
  const topic = names.tokenEvents;
  // A plain kafkajs producer: the test places records on chosen partitions.
  const kafka = new Kafka({ brokers: loadInfraConfig(process.env).TW_KAFKA_BROKERS, clientId: 'offsets-writer', logLevel: logLevel.NOTHING });
  // Idempotent: a retried send (seen under CI load) must not write the records twice.
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  await producer.send({
    topic,
    messages: [0, 1, 2].flatMap((partition) => Array.from({ length: 10 }, (_, i) => ({
      partition, value: `${partition}-${i}`, timestamp: String(T0 + i * 1000),
    }))),
  });
  return { conn, producer, topic, offsets: new TopicOffsets(conn) };
}

const text = (records: ConsumedRecord[]) => records.map((r) => r.value?.toString()).sort();

describe('TopicOffsets and readRanges against real Kafka', () => {
  let s: Awaited<ReturnType<typeof setup>>;
  beforeAll(async () => {
    s = await setup();
  });
  afterAll(async () => {
    await s?.producer.disconnect();
  });

  it('reports every partition 0..10, and the offsets at a timestamp (the end when none is later)', async () => {
    const extents = await s.offsets.extents(s.topic);
    expect([...extents].sort((a, b) => a.partition - b.partition)).toEqual([0, 1, 2].map((partition) => ({ partition, low: 0, high: 10 })));
    const at = await s.offsets.atTimestamp(s.topic, T0 + 6500);
    expect(at.map((o) => o.offset)).toEqual([7, 7, 7]);
    const after = await s.offsets.atTimestamp(s.topic, T0 + 60_000);
    expect(after.map((o) => o.offset)).toEqual([10, 10, 10]);
  });

  it('sets and reads the committed offsets of a group with no members', async () => {
    const group = uniqueName('offsets-group');
    expect((await s.offsets.committed(group, s.topic)).map((o) => o.offset)).toEqual([-1, -1, -1]);
    expect(await s.offsets.setCommitted(group, s.topic, [{ partition: 1, offset: 4 }])).toBe(true);
    const committed = await s.offsets.committed(group, s.topic);
    expect(committed.find((o) => o.partition === 1)?.offset).toBe(4);
    expect(committed.filter((o) => o.partition !== 1).map((o) => o.offset)).toEqual([-1, -1]);
  });

  it('reads exactly the ranges asked for, and reports each partition done', async () => {
    const seen: ConsumedRecord[] = [];
    const done: number[] = [];
    await readRanges(s.conn, s.topic, [{ partition: 0, start: 2, end: 5 }, { partition: 2, start: 9, end: 10 }, { partition: 1, start: 3, end: 3 }],
      (batch) => {
        seen.push(...batch.records);
        if (batch.done) done.push(batch.partition);
      });
    expect(text(seen)).toEqual(['0-2', '0-3', '0-4', '2-9']);
    expect(done.sort()).toEqual([0, 2]);
  });

  it('rejects with the handler error itself, without retrying the batch', async () => {
    let calls = 0;
    const bug = new TypeError('handler bug');
    await expect(readRanges(s.conn, s.topic, [{ partition: 0, start: 0, end: 10 }], () => {
      calls += 1;
      throw bug;
    })).rejects.toBe(bug);
    expect(calls).toBe(1);
  });

  it('fails as unavailable, naming what is left, when the range cannot be reached', async () => {
    await expect(readRanges(s.conn, s.topic, [{ partition: 1, start: 5, end: 50 }], () => undefined, { stallTimeoutMs: 3000 }))
      .rejects.toMatchObject({ code: 'ERR_KAFKA_UNAVAILABLE', message: expect.stringContaining('p1 [5, 50)') });
  });
});
