import { decode, encode, ProjectedEventDecoder } from '@tokenwarden/events';
import type { ConsumedRecord, OutgoingRecord } from '@tokenwarden/kafka';
import { DetectionLoop, MAX_UPDATES_PER_SEND } from './detection-loop';
import { eventProjection } from './rules/event-projection';
import { issued, subjectRef } from './testing/event-kit';
import { oneRule, setup, T0 } from './testing/engine-kit';

type LoopOptions = { updateIntervalMs?: number; now?: () => number; decoder?: { decode: typeof decode } };

function setupLoop(publish: (records: OutgoingRecord[]) => Promise<void>, o: LoopOptions = {}) {
  const { engine } = setup(oneRule({ cooldownSeconds: 600 }));
  const seen: string[] = [];
  const loop = new DetectionLoop({
    engine, codec: { encode }, decoder: { decode }, alertsTopic: 'alerts', publish, ...o,
    observer: { event: () => undefined, undecodableRecord: (code) => seen.push(code), alertPublished: () => undefined },
  });
  return { loop, engine, undecodable: seen };
}

let offset = 0;
const record = (value: Buffer | null, partition = 0): ConsumedRecord =>
  ({ topic: 'token-events', partition, offset: String(offset++), key: null, value, headers: {}, timestampMs: T0 });
const issuedRecord = (i: number) => {
  const e = issued({ t: T0 + i * 1000 });
  return record(encode('TokenIssued', e.value as never));
};

describe('DetectionLoop', () => {
  it('publishes decoded Alert events keyed by alert id, with event-time timestamps', async () => {
    const published: OutgoingRecord[] = [];
    const { loop } = setupLoop(async (rs) => void published.push(...rs));
    await loop.handle([issuedRecord(0), issuedRecord(1), issuedRecord(2)]);
    expect(published).toHaveLength(1);
    const alert = decode(published[0].value!);
    expect(alert.type).toBe('Alert');
    if (alert.type !== 'Alert') return;
    expect(published[0]).toMatchObject({ topic: 'alerts', key: alert.value.alert_id, timestampMs: alert.value.last_seen });
    expect(alert.value).toMatchObject({ count: 3, status: 'OPEN' });
  });

  it('retries a batch whose alerts Kafka did not take without counting its events twice', async () => {
    let fail = true;
    const published: OutgoingRecord[] = [];
    const { loop } = setupLoop(async (rs) => {
      if (fail) throw Object.assign(new Error('broker down'), { code: 'ERR_KAFKA_PUBLISH_FAILED', retriable: true });
      published.push(...rs);
    });
    const batch = [issuedRecord(0), issuedRecord(1), issuedRecord(2), issuedRecord(3)];
    await expect(loop.handle(batch)).rejects.toMatchObject({ retriable: true });
    fail = false;
    await loop.handle(batch); // the runner hands the same records again
    expect(published.map((r) => (decode(r.value!).value as { count: number }).count)).toEqual([4]);
  });

  it('publishes a new alert at once and paces its follow-ups', async () => {
    let now = 1_000_000;
    const counts: Array<[number, string]> = [];
    const { loop } = setupLoop(async (rs) => {
      for (const r of rs) {
        const a = decode(r.value!).value as { count: number; status: string };
        counts.push([a.count, a.status]);
      }
    }, { updateIntervalMs: 1000, now: () => now });
    await loop.handle([issuedRecord(0), issuedRecord(1), issuedRecord(2)]);
    await loop.handle([issuedRecord(3)]);
    await loop.handle([issuedRecord(4)]);
    expect(counts).toEqual([[3, 'OPEN']]);
    now += 1000;
    await loop.emit();
    expect(counts).toEqual([[3, 'OPEN'], [5, 'UPDATED']]);
    await loop.handle([issuedRecord(5)]);
    await loop.emit(true); // shutdown: everything changed goes out
    expect(counts).toEqual([[3, 'OPEN'], [5, 'UPDATED'], [6, 'UPDATED']]);
  });

  it('publishes a new alert before the rest of its batch, and ends the batch only once Kafka acknowledged it', async () => {
    let acknowledge = () => undefined as void;
    const eventsAtPublish: number[] = [];
    const { loop, engine } = setupLoop((rs) => {
      eventsAtPublish.push(engine.events);
      expect(rs).toHaveLength(1);
      return new Promise<void>((resolve) => (acknowledge = resolve));
    }, { updateIntervalMs: 1000, now: () => 1_000_000 });
    let done = false;
    const batch = loop.handle([0, 1, 2, 3, 4, 5].map(issuedRecord)).then(() => (done = true));
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(eventsAtPublish).toEqual([3]); // raised by the third record, sent before the fourth was read
    expect(engine.events).toBe(6);
    expect(done).toBe(false);
    acknowledge();
    await batch;
    expect(eventsAtPublish).toEqual([3]); // counts 4-6 are a follow-up, paced
  });

  it('sends new alerts whole but at most MAX_UPDATES_PER_SEND follow-ups at a time, serving the rest in turn', async () => {
    const sent: string[][] = [];
    let whileSending = () => undefined as void;
    const { loop, engine } = setupLoop(async (rs) => {
      sent.push(rs.map((r) => (decode(r.value!).value as { group_key: string }).group_key));
      whileSending();
    }, { updateIntervalMs: 0 });
    const names = Array.from({ length: MAX_UPDATES_PER_SEND + 2 }, (_, i) => `s${i}`);
    const keys = names.map(subjectRef);
    const feed = (round: number) => names.forEach((subject, i) => engine.ingest(issued({ t: T0 + round * 1000 + i, subject })));
    [0, 1, 2].forEach(feed);
    await loop.emit();
    expect(sent[0]).toEqual(keys); // every new alert at once
    feed(3);
    whileSending = () => {
      whileSending = () => undefined;
      feed(4); // every alert changes again while the first follow-ups are on their way
    };
    await loop.emit();
    expect(sent[1]).toEqual(keys.slice(0, MAX_UPDATES_PER_SEND));
    await loop.emit();
    // The two left out go first, then the others, still capped.
    expect(sent[2]).toEqual([...keys.slice(MAX_UPDATES_PER_SEND), ...keys.slice(0, MAX_UPDATES_PER_SEND - 2)]);
  });

  it('tracks progress per partition, also across a batch mixing partitions and a failure part-way through it', async () => {
    const { loop, engine } = setupLoop(async () => undefined);
    const on = (i: number, partition: number) => {
      const e = issued({ t: T0 + i * 1000 });
      return record(encode('TokenIssued', e.value as never), partition);
    };
    const a = [on(0, 0), on(1, 1), on(2, 0), on(3, 1)];
    await loop.handle(a);
    expect(engine.events).toBe(4);
    await loop.handle([a[2], a[3], on(4, 1)]); // redelivered records of both partitions, then a new one
    expect(engine.events).toBe(5);
    const real = engine.ingest.bind(engine);
    let calls = 0;
    const spy = jest.spyOn(engine, 'ingest').mockImplementation((e) => {
      if (++calls === 2) throw new Error('bug');
      return real(e);
    });
    const b = [on(6, 2), on(7, 2), on(8, 2)];
    await expect(loop.handle(b)).rejects.toThrow('bug'); // the second record throws
    expect(engine.events).toBe(6);
    await loop.handle(b); // the first is not counted again, the second and third are
    spy.mockRestore();
    expect(engine.events).toBe(8);
  });

  it('counts and skips undecodable records', async () => {
    const { loop, engine, undecodable } = setupLoop(async () => undefined);
    await loop.handle([record(Buffer.from('not avro')), record(null), issuedRecord(0)]);
    expect(engine.events).toBe(1);
    expect(undecodable).toEqual(['ERR_CODEC_BAD_MAGIC']);
  });

  it('counts poison records with the same codes when it decodes only what the rule reads', async () => {
    const good = issuedRecord(0).value!;
    const badUtf8 = Buffer.from(good);
    badUtf8[badUtf8.indexOf(Buffer.from('https://issuer.example.com')) + 3] = 0xff; // iss: a field the rule does not read
    const poison = [Buffer.from('not avro'), good.subarray(0, 40), Buffer.concat([good, Buffer.from([0])]), badUtf8,
      Buffer.concat([good.subarray(0, 2), Buffer.alloc(8), good.subarray(10)])];
    const codes = (decoder: { decode: typeof decode }) => {
      const { loop, undecodable } = setupLoop(async () => undefined, { decoder });
      poison.forEach((p) => loop.ingest(record(p)));
      return undecodable;
    };
    const projected = new ProjectedEventDecoder(eventProjection(oneRule()));
    expect(codes({ decode })).toEqual(['ERR_CODEC_BAD_MAGIC', 'ERR_CODEC_TRUNCATED', 'ERR_CODEC_TRAILING_BYTES', 'ERR_CODEC_MALFORMED',
      'ERR_CODEC_UNKNOWN_FINGERPRINT']);
    expect(codes(projected)).toEqual(codes({ decode }));
  });
});
