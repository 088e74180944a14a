import { Alert, decode, encode } from '@tokenwarden/events';
import { ConsumedRecord } from '@tokenwarden/kafka';
import { sampleEvent } from '../../../../libs/events/fixtures/samples';
import { SiemError } from '../siem-error';
import { DELIVERED, DeliveryOutcome, Sink, SKIPPED } from '../sinks/sink';
import { AlertForwarder, DeliveryObserver } from './alert-forwarder';
import { RetryPolicy } from './retry-policy';

const T0 = Date.UTC(2025, 0, 1);
const POLICY: RetryPolicy = { baseMs: 1000, maxMs: 8000, maxAttempts: 0, maxElapsedMs: 60_000, maxRetryAfterMs: 30_000 };
const down = (o: Partial<Extract<DeliveryOutcome, { kind: 'failed' }>> = {}): DeliveryOutcome => ({
  kind: 'failed',
  code: 'ERR_SIEM_SINK_UNREACHABLE',
  message: 'connect ECONNREFUSED',
  retriable: true,
  ...o,
});

/** A sink whose answer is scripted per round; it records what it was sent. */
class ScriptedSink implements Sink {
  readonly rounds: string[][] = [];
  answer: (alerts: readonly Alert[]) => DeliveryOutcome[] = (alerts) => alerts.map(() => DELIVERED);
  constructor(readonly name: string) {}
  async deliver(alerts: readonly Alert[]): Promise<DeliveryOutcome[]> {
    this.rounds.push(alerts.map((a) => a.alert_id));
    return this.answer(alerts);
  }
  async close(): Promise<void> {}
}

function setup(policy: Partial<RetryPolicy> = {}) {
  const clock = { now: T0 };
  const a = new ScriptedSink('a');
  const b = new ScriptedSink('b');
  const events: string[] = [];
  const observer: DeliveryObserver = {
    delivered: (sink, n) => events.push(`delivered ${sink} ${n}`),
    failed: (sink, code, n, delayMs) => events.push(`failed ${sink} ${code} ${n} ${delayMs}`),
    parked: (sink, code) => events.push(`parked ${sink} ${code}`),
    rejected: (code) => events.push(`rejected ${code}`),
  };
  const forwarder = new AlertForwarder({
    sinks: [
      { sink: a, retry: { ...POLICY, ...policy } },
      { sink: b, retry: { ...POLICY, ...policy } },
    ],
    decode,
    now: () => clock.now,
    roundBudgetMs: 5000,
    random: () => 1,
    observer,
  });
  let offset = 0;
  const record = (value: Buffer | null): ConsumedRecord => ({
    topic: 'alerts',
    partition: 0,
    offset: String(offset++),
    key: null,
    value,
    headers: {},
    timestampMs: T0,
  });
  // alert-<offset>, so expectations read as offsets
  const alerts = (n: number) => Array.from({ length: n }, () => record(encode('Alert', sampleEvent('Alert', { alert_id: `alert-${offset}` }))));
  return { clock, a, b, events, forwarder, record, alerts };
}

async function pending(p: Promise<unknown>): Promise<SiemError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SiemError);
  expect(err).toMatchObject({ code: 'ERR_SIEM_DELIVERY_PENDING', retriable: true });
  return err as SiemError;
}

describe('AlertForwarder', () => {
  it('returns once every sink has every alert', async () => {
    const t = setup();
    const batch = t.alerts(3);
    await expect(t.forwarder.handle(batch)).resolves.toEqual({ rejected: [] });
    expect(t.a.rounds).toEqual([['alert-0', 'alert-1', 'alert-2']]);
    expect(t.b.rounds).toEqual(t.a.rounds);
    expect(t.events).toEqual(['delivered a 3', 'delivered b 3']);
    expect(t.forwarder.remembered).toBe(0);
  });

  it('holds the batch while a sink is down, then sends that sink only what it lacks', async () => {
    const t = setup();
    const batch = t.alerts(2);
    t.b.answer = (alerts) => alerts.map(() => down());
    const err = await pending(t.forwarder.handle(batch));
    expect(err.message).toContain('wait for sink(s) b');
    expect(t.events).toEqual(['delivered a 2', 'failed b ERR_SIEM_SINK_UNREACHABLE 2 1000']);

    t.clock.now += 1000;
    t.b.answer = (alerts) => alerts.map(() => DELIVERED);
    await expect(t.forwarder.handle(batch)).resolves.toEqual({ rejected: [] });
    expect(t.a.rounds).toHaveLength(1); // a is not sent the alerts again
    expect(t.b.rounds).toEqual([['alert-0', 'alert-1'], ['alert-0', 'alert-1']]);
  });

  it('does not call a sink before its backoff or its Retry-After has passed', async () => {
    const t = setup();
    const batch = t.alerts(1);
    t.b.answer = (alerts) => alerts.map(() => down({ code: 'ERR_SIEM_SINK_STATUS', retryAfterMs: 20_000 }));
    await pending(t.forwarder.handle(batch));
    t.clock.now += 19_999;
    await pending(t.forwarder.handle(batch));
    expect(t.b.rounds).toHaveLength(1);
    t.clock.now += 1;
    t.b.answer = (alerts) => alerts.map(() => DELIVERED);
    await expect(t.forwarder.handle(batch)).resolves.toEqual({ rejected: [] });
    expect(t.b.rounds).toHaveLength(2);
  });

  it('counts a failed round as an attempt for the alerts it did not reach', async () => {
    const t = setup({ maxAttempts: 2, maxElapsedMs: 0 });
    const batch = t.alerts(3);
    t.b.answer = (alerts) => alerts.map((_, i) => (i === 0 ? down() : SKIPPED));
    await pending(t.forwarder.handle(batch));
    t.clock.now += 10_000;
    const out = await t.forwarder.handle(batch);
    expect(out.rejected?.map((r) => r.record.offset)).toEqual(['0', '1', '2']);
  });

  it('parks an alert on dead-letters after the attempt bound, naming the sink and what did get it', async () => {
    const t = setup({ maxAttempts: 3, maxElapsedMs: 0 });
    const batch = t.alerts(1);
    t.b.answer = (alerts) => alerts.map(() => down());
    for (let i = 0; i < 2; i++) {
      await pending(t.forwarder.handle(batch));
      t.clock.now += 10_000;
    }
    const out = await t.forwarder.handle(batch);
    expect(out.rejected).toHaveLength(1);
    expect(out.rejected?.[0]).toMatchObject({ record: batch[0], code: 'ERR_SIEM_DELIVERY_EXHAUSTED' });
    expect(out.rejected?.[0].message).toMatch(/^alert alert-0 not delivered to sink b: 3 failed attempt\(s\) over 20 s, last: ERR_SIEM_SINK_UNREACHABLE: connect ECONNREFUSED \(delivered to: a\)$/);
    expect(t.events).toContain('parked b ERR_SIEM_DELIVERY_EXHAUSTED');
    expect(t.forwarder.remembered).toBe(0);
  });

  it('parks after the time bound even while the sink is backing off', async () => {
    const t = setup({ maxElapsedMs: 30_000, maxMs: 600_000, baseMs: 600_000 });
    const batch = t.alerts(1);
    t.b.answer = (alerts) => alerts.map(() => down());
    await pending(t.forwarder.handle(batch));
    t.clock.now += 29_999;
    await pending(t.forwarder.handle(batch));
    t.clock.now += 1;
    const out = await t.forwarder.handle(batch);
    expect(out.rejected?.[0].code).toBe('ERR_SIEM_DELIVERY_EXHAUSTED');
    expect(t.b.rounds).toHaveLength(1); // never called during its backoff
  });

  it('parks at once an alert a sink refuses for good', async () => {
    const t = setup();
    const batch = t.alerts(2);
    t.a.answer = (alerts) => alerts.map((_, i) => (i === 0 ? down({ code: 'ERR_SIEM_DELIVERY_REJECTED', retriable: false, message: 'HTTP 422' }) : DELIVERED));
    const out = await t.forwarder.handle(batch);
    expect(out.rejected?.map((r) => [r.record.offset, r.code])).toEqual([['0', 'ERR_SIEM_DELIVERY_REJECTED']]);
    expect(out.rejected?.[0].message).toContain('sink a: HTTP 422');
  });

  it('keeps waiting without counting an attempt when the round ran out of time', async () => {
    const t = setup({ maxAttempts: 1, maxElapsedMs: 0 });
    const batch = t.alerts(2);
    t.b.answer = (alerts) => alerts.map((_, i) => (i === 0 ? DELIVERED : SKIPPED));
    await pending(t.forwarder.handle(batch));
    t.b.answer = (alerts) => alerts.map(() => DELIVERED);
    await expect(t.forwarder.handle(batch)).resolves.toEqual({ rejected: [] });
    expect(t.b.rounds).toEqual([['alert-0', 'alert-1'], ['alert-1']]);
  });

  it('rejects records that are not alerts, and delivers the rest', async () => {
    const t = setup();
    const batch = [
      t.record(Buffer.from('not avro')),
      t.record(null),
      t.record(encode('TokenIssued', sampleEvent('TokenIssued'))),
      t.record(encode('Alert', sampleEvent('Alert', { alert_id: '' }))),
      ...t.alerts(1),
    ];
    const out = await t.forwarder.handle(batch);
    expect(out.rejected?.map((r) => r.code)).toEqual([
      'ERR_CODEC_BAD_MAGIC',
      'ERR_SIEM_NOT_AN_ALERT',
      'ERR_SIEM_NOT_AN_ALERT',
      'ERR_SIEM_NOT_AN_ALERT',
    ]);
    expect(out.rejected?.[2].message).toBe('a TokenIssued event on the alerts topic');
    expect(t.a.rounds).toEqual([['alert-4']]);
  });

  it('forgets state of offsets an earlier owner settled', async () => {
    const t = setup();
    const first = t.alerts(2);
    t.b.answer = (alerts) => alerts.map(() => down());
    await pending(t.forwarder.handle(first));
    expect(t.forwarder.remembered).toBe(2);
    t.b.answer = (alerts) => alerts.map(() => DELIVERED);
    t.clock.now += 10_000;
    await t.forwarder.handle(t.alerts(1)); // offset 2: 0 and 1 were committed elsewhere
    expect(t.forwarder.remembered).toBe(0);
  });

  it('refuses duplicate sink names', () => {
    const s = new ScriptedSink('x');
    expect(() => new AlertForwarder({ sinks: [{ sink: s, retry: POLICY }, { sink: s, retry: POLICY }], decode, now: Date.now, roundBudgetMs: 1 })).toThrow(
      RangeError,
    );
  });
});
