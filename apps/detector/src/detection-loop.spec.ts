import { decode, encode } from '@tokenwarden/events';
import type { ConsumedRecord, OutgoingRecord } from '@tokenwarden/kafka';
import { DetectionLoop } from './detection-loop';
import { issued } from './testing/event-kit';
import { oneRule, setup, T0 } from './testing/engine-kit';

function setupLoop(publish: (records: OutgoingRecord[]) => Promise<void>, o: { updateIntervalMs?: number; now?: () => number } = {}) {
  const { engine } = setup(oneRule({ cooldownSeconds: 600 }));
  const seen: string[] = [];
  const loop = new DetectionLoop({
    engine, codec: { decode, encode }, alertsTopic: 'alerts', publish, ...o,
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
      real(e);
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
});
