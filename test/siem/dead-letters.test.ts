import { decode, encode } from '@tokenwarden/events';
import { DLQ_HEADERS } from '@tokenwarden/kafka';
import { waitFor } from '@tokenwarden/testing';
import { sampleEvent } from '../../libs/events/fixtures/samples';
import { readTopic } from '../kafka/kafka-fixture';
import { ForwarderHarness, makeAlerts, WEBHOOK_SECRET, WEBHOOK_SECRET_ENV } from './support/harness';
import { judgeDelivery } from './support/oracle';
import { Rsyslog } from './support/rsyslog';
import { eventIdOf } from './support/syslog-check';
import { WebhookReceiver } from './support/webhook-receiver';

const eventIdOfRecord = (value: Buffer | null) => {
  const e = decode(value as Buffer);
  return e.type === 'Alert' ? e.value.header.event_id : '';
};

describe('siem-forwarder dead letters', () => {
  let h: ForwarderHarness;
  let receiver: WebhookReceiver;
  let rsyslog: Rsyslog | undefined;
  beforeEach(async () => {
    h = await ForwarderHarness.create();
    receiver = new WebhookReceiver(WEBHOOK_SECRET);
  });
  afterEach(async () => {
    await h.teardown();
    await receiver.close();
    await rsyslog?.stop();
    rsyslog = undefined;
  });

  const hook = (port: number, retry: Record<string, number>) => ({
    type: 'webhook',
    name: 'hook',
    url: `http://127.0.0.1:${port}/`,
    secretEnv: WEBHOOK_SECRET_ENV,
    timeoutMs: 1000,
    retry,
  });

  it('parks alerts after the retry bound with the reason; the oracle sees the gap and the dead letters fill it', async () => {
    rsyslog = await Rsyslog.start();
    receiver.script = () => ({ status: 503 });
    const port = await receiver.listen();
    const alerts = makeAlerts(8);
    await h.publish(alerts);
    const runtime = await h.start({
      sinks: [{ type: 'syslog', name: 'rsyslog', host: '127.0.0.1', port: rsyslog.port }, hook(port, { baseMs: 50, maxMs: 200, maxAttempts: 3, maxElapsedSeconds: 0 })],
    });

    await waitFor(async () => (await h.committed()) === alerts.length, 60000, { what: 'offsets past the parked alerts' });
    const parked = await readTopic(h.names.deadLetters, alerts.length);
    const published = alerts.map((a) => a.header.event_id);

    // Negative control on real data: the webhook did not get them, and the oracle says so.
    expect(judgeDelivery(published, receiver.accepted().map((r) => (r.body.metadata as { uid: string }).uid)).missing).toEqual([...published].sort());
    // Accounting: delivered or dead-lettered, each one.
    expect(judgeDelivery(published, parked.map((r) => eventIdOfRecord(r.value)))).toEqual({ missing: [], unexpected: [], raw: 8, distinct: 8 });
    for (const r of parked) {
      expect(r.headers).toMatchObject({ [DLQ_HEADERS.errorCode]: 'ERR_SIEM_DELIVERY_EXHAUSTED', [DLQ_HEADERS.sourceTopic]: h.names.alerts });
      expect(r.headers[DLQ_HEADERS.errorMessage]).toMatch(/not delivered to sink hook: 3 failed attempt\(s\) over \d+ s, last: ERR_SIEM_SINK_STATUS: webhook http:\/\/127\.0\.0\.1:\d+: HTTP 503 \(delivered to: rsyslog\)$/);
    }
    expect(receiver.requests.length).toBeGreaterThanOrEqual(3);
    expect(judgeDelivery(published, rsyslog.lines().map(eventIdOf)).missing).toEqual([]);
    expect(await h.metric(runtime, 'tw_siem_alerts_parked_total', { sink: 'hook', code: 'ERR_SIEM_DELIVERY_EXHAUSTED' })).toBe(8);
    expect(await h.metric(runtime, 'tw_siem_records_dead_lettered_total')).toBe(8);
  });

  it('parks poison records and refused alerts at once, and the partition keeps flowing', async () => {
    receiver.script = (_n, body) => ((body.finding_info as { title: string }).title === 'refuse me' ? { status: 422 } : { status: 200 });
    const port = await receiver.listen();
    const good = makeAlerts(6);
    const refused = makeAlerts(1, () => ({ title: 'refuse me' }));
    await h.publishRaw([Buffer.from('definitely not avro'), encode('TokenIssued', sampleEvent('TokenIssued')), null]);
    await h.publish([...refused, ...good]);
    await h.start({ sinks: [hook(port, { baseMs: 50, maxMs: 200, maxElapsedSeconds: 600 })] });

    await waitFor(async () => (await h.committed()) === 10, 60000, { what: 'all 10 records past' });
    const parked = await readTopic(h.names.deadLetters, 4);
    expect(parked.map((r) => r.headers[DLQ_HEADERS.errorCode]).sort()).toEqual([
      'ERR_CODEC_BAD_MAGIC',
      'ERR_SIEM_DELIVERY_REJECTED',
      'ERR_SIEM_NOT_AN_ALERT',
      'ERR_SIEM_NOT_AN_ALERT',
    ]);
    const rejected = parked.find((r) => r.headers[DLQ_HEADERS.errorCode] === 'ERR_SIEM_DELIVERY_REJECTED');
    expect(rejected?.headers[DLQ_HEADERS.errorMessage]).toContain('HTTP 422');
    expect(eventIdOfRecord(rejected?.value ?? null)).toBe(refused[0].header.event_id);
    const delivered = judgeDelivery(
      good.map((a) => a.header.event_id),
      receiver.accepted().map((r) => (r.body.metadata as { uid: string }).uid),
    );
    expect(delivered).toEqual({ missing: [], unexpected: [], raw: 6, distinct: 6 });
  });
});
