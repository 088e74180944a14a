import { decode, encode, EVENT_TYPE_NAMES, EventCodecError } from '@tokenwarden/events';
import { bootstrapTopics, ConsumedRecord, ConsumerRunner, DLQ_HEADERS, topicNames, topicSpecs } from '@tokenwarden/kafka';
import { uniqueName, waitFor } from '@tokenwarden/testing';
import { randomBytes } from 'node:crypto';
import { sampleEvent } from '../../libs/events/fixtures/samples';
import { connectedProducer, readTopic, testConnection } from './kafka-fixture';

/** Every event type once, each with its own event id, as Avro single-object bytes keyed by subject. */
function sampleMessages() {
  return EVENT_TYPE_NAMES.map((type, i) => {
    const value = sampleEvent(type);
    const header = { ...value.header, event_id: `00000000-0000-4000-8000-00000000000${i}` };
    const withId = { ...value, header } as typeof value;
    return { type, value: withId, bytes: encode(type, withId as never) };
  });
}

describe('Avro events through real Kafka', () => {
  it('decodes every event type back to the value that was published, and parks undecodable bytes', async () => {
    const names = topicNames(`${uniqueName('avro')}.`);
    const conn = testConnection('avro-test');
    await bootstrapTopics(conn, topicSpecs(names, 2));
    const producer = await connectedProducer(conn);

    const good = sampleMessages();
    const valid = good[0].bytes;
    const poison: Array<{ label: string; bytes: Buffer; code: string }> = [
      { label: 'random', bytes: randomBytes(64), code: 'ERR_CODEC_BAD_MAGIC' },
      { label: 'unknown-fingerprint', bytes: Buffer.concat([valid.subarray(0, 2), Buffer.alloc(8, 0xab), valid.subarray(10)]), code: 'ERR_CODEC_UNKNOWN_FINGERPRINT' },
      { label: 'truncated', bytes: valid.subarray(0, valid.length - 5), code: 'ERR_CODEC_TRUNCATED' },
      { label: 'trailing', bytes: Buffer.concat([valid, Buffer.from([1, 2, 3])]), code: 'ERR_CODEC_TRAILING_BYTES' },
    ];
    // Poison first and last on the same key (partition), so the good records behind them must keep flowing.
    const records = [...poison.slice(0, 2), ...good, ...poison.slice(2)].map((m) => ({
      topic: names.tokenEvents,
      key: 'one-subject',
      value: m.bytes,
      headers: { label: 'label' in m ? m.label : m.type },
    }));
    await producer.publishAll(records);

    const decoded: Array<{ type: string; value: unknown }> = [];
    const runner = new ConsumerRunner(
      conn,
      producer,
      async (batch: ConsumedRecord[]) => {
        for (const r of batch) {
          const event = decode(r.value ?? Buffer.alloc(0)); // throws EventCodecError (non-retriable) on poison
          decoded.push({ type: event.type, value: event.value });
        }
      },
      { groupId: uniqueName('avro-group'), topics: [names.tokenEvents], deadLetterTopic: names.deadLetters, maxWaitTimeMs: 50 },
    );
    try {
      await runner.start();
      await waitFor(() => decoded.length >= good.length, 30000, { what: 'every good event decoded' });
      expect(decoded).toEqual(good.map((g) => ({ type: g.type, value: g.value })));

      const parked = await readTopic(names.deadLetters, poison.length);
      const byLabel = Object.fromEntries(parked.map((p) => [p.headers.label, p]));
      for (const p of poison) {
        expect(byLabel[p.label].headers[DLQ_HEADERS.errorCode]).toBe(p.code);
        expect(byLabel[p.label].headers[DLQ_HEADERS.sourceTopic]).toBe(names.tokenEvents);
        expect(byLabel[p.label].value).toEqual(p.bytes);
      }
      const counts = Object.values(runner.stats.snapshot());
      expect(counts.reduce((n, c) => n + c.processed, 0)).toBe(good.length);
      expect(counts.reduce((n, c) => n + c.deadLettered, 0)).toBe(poison.length);
    } finally {
      await runner.stop();
      await producer.disconnect();
    }
  });

  it('the codec reports poison with its own error class (what the runner relies on)', () => {
    expect(() => decode(Buffer.from('not avro'))).toThrow(EventCodecError);
  });
});
