import { Alert } from '@tokenwarden/events';
import { waitFor } from '@tokenwarden/testing';
import { HOSTILE_STRINGS } from '../../apps/siem-forwarder/src/testing/hostile-strings';
import { followUp, ForwarderHarness, makeAlerts, WEBHOOK_SECRET, WEBHOOK_SECRET_ENV } from './support/harness';
import { freePort } from './support/net';
import { judgeDelivery, report } from './support/oracle';
import { Rsyslog } from './support/rsyslog';
import { eventIdOf } from './support/syslog-check';
import { ReceivedRequest, Reply, WebhookReceiver } from './support/webhook-receiver';

// Short enough for the id headers (which are capped), so headers and bodies can be compared.
const hostile = Object.values(HOSTILE_STRINGS).filter((v) => v.length < 100);
const eventIds = (alerts: readonly Alert[]) => alerts.map((a) => a.header.event_id);
const findingEventId = (r: ReceivedRequest) => (r.body.metadata as { uid: string }).uid;
const findingAlertId = (r: ReceivedRequest) => (r.body.finding_info as { uid: string }).uid;

/** The earliest time the forwarder may call again after `r`, per its Retry-After; undefined when it sent none. */
function retryNotBefore(r: ReceivedRequest): number | undefined {
  if (r.reply === 'hang' || r.reply.retryAfter === undefined || r.repliedAt === undefined) return undefined;
  const v = r.reply.retryAfter;
  return /^\d+$/.test(v) ? r.repliedAt + Number(v) * 1000 : Date.parse(v);
}

describe('FAULTS.md 7: SIEM endpoint failing for a while, then recovering', () => {
  let h: ForwarderHarness;
  let rsyslog: Rsyslog;
  let receiver: WebhookReceiver;
  beforeEach(async () => {
    h = await ForwarderHarness.create();
    rsyslog = await Rsyslog.start();
    receiver = new WebhookReceiver(WEBHOOK_SECRET);
  });
  afterEach(async () => {
    await h.teardown();
    await receiver.close();
    await rsyslog.stop();
  });

  it('keeps alerts in Kafka while the webhook fails every way, then delivers each; syslog gets each once meanwhile', async () => {
    const port = await freePort();
    // Some alerts carry hostile ids, titles and keys: they must survive JSON, the signature and the id headers.
    const alerts = makeAlerts(30, (i) =>
      i % 5 === 0 ? { alert_id: `id-${hostile[i % hostile.length]}`, title: hostile[(i + 1) % hostile.length], group_key: hostile[(i + 2) % hostile.length] } : {},
    );
    const all = [...alerts, ...alerts.slice(0, 6).map(followUp)];
    await h.publish(all);
    const runtime = await h.start({
      sinks: [
        { type: 'syslog', name: 'rsyslog', host: '127.0.0.1', port: rsyslog.port },
        {
          type: 'webhook',
          name: 'hook',
          url: `http://127.0.0.1:${port}/ocsf`,
          secretEnv: WEBHOOK_SECRET_ENV,
          timeoutMs: 400,
          concurrency: 1,
          retry: { baseMs: 100, maxMs: 1000, maxElapsedSeconds: 600 },
        },
      ],
    });

    // 1. Nothing listens: connection refused. Syslog has every alert, yet no offset moves.
    await waitFor(async () => (await h.metric(runtime, 'tw_siem_delivery_retries_total', { sink: 'hook' })) >= 2, 30000, {
      what: 'two refused webhook rounds',
    });
    await waitFor(() => rsyslog.lines().length >= all.length, 30000, { what: 'every alert at rsyslog' });
    expect(await h.committed()).toBe(0);

    // 2. It listens, but answers 503 with Retry-After (seconds, then an HTTP date), 500,
    //    times out, accepts once too late for the client (a duplicate), 429 — then recovers.
    const failures: Array<() => Reply> = [
      () => ({ status: 503, retryAfter: '1' }),
      () => ({ status: 503, retryAfter: new Date(Date.now() + 2000).toUTCString() }),
      () => ({ status: 500 }),
      () => ({ status: 500 }),
      () => 'hang',
      () => ({ status: 200, delayMs: 700 }),
      () => ({ status: 429, retryAfter: '1' }),
    ];
    receiver.script = (n) => (failures[n] ?? (() => ({ status: 200 })))();
    await receiver.listen(port);

    await waitFor(async () => (await h.committed()) === all.length, 90000, { what: `all ${all.length} alerts committed` });

    // Oracle: every published Alert event accepted, after dedup by id; nothing else.
    const accepted = receiver.accepted();
    const verdict = judgeDelivery(eventIds(all), accepted.map(findingEventId));
    report(`FAULTS 7 webhook: published ${all.length}, requests ${receiver.requests.length}, accepted raw ${verdict.raw}, distinct ${verdict.distinct}`);
    expect(verdict.missing).toEqual([]);
    expect(verdict.unexpected).toEqual([]);
    expect(verdict.distinct).toBe(all.length);
    expect(verdict.raw).toBeGreaterThanOrEqual(all.length + 1); // the late 200 was resent: allowed, deduplicable
    expect(new Set(accepted.map(findingAlertId))).toEqual(new Set(alerts.map((a) => a.alert_id)));

    // Every request signed and fresh; its id headers agree with its body.
    expect(receiver.requests.filter((r) => !r.signatureOk).map((r) => r.n)).toEqual([]);
    expect(Math.max(...receiver.requests.map((r) => r.timestampSkewMs))).toBeLessThan(60_000);
    expect(receiver.requests.filter((r) => r.eventIdHeader !== findingEventId(r) || r.alertIdHeader !== findingAlertId(r))).toEqual([]);

    // Retry-After honoured: no request before the time the endpoint asked for.
    for (const r of receiver.requests) {
      const notBefore = retryNotBefore(r);
      const next = receiver.requests[r.n + 1];
      if (notBefore !== undefined && next) expect(next.at).toBeGreaterThanOrEqual(notBefore);
    }

    // Syslog got each alert exactly once: the webhook's retries never resent to it.
    expect(judgeDelivery(eventIds(all), rsyslog.lines().map(eventIdOf))).toEqual({ missing: [], unexpected: [], raw: all.length, distinct: all.length });
    expect(await h.metric(runtime, 'tw_siem_records_dead_lettered_total')).toBe(0);

    // The body is an OCSF Detection Finding naming the alert.
    const sample = accepted.find((r) => findingEventId(r) === all[0].header.event_id) as ReceivedRequest;
    expect(sample.body).toMatchObject({
      class_uid: 2004,
      category_uid: 2,
      activity_id: 1,
      finding_info: { uid: all[0].alert_id, title: all[0].title, analytic: { uid: all[0].rule_id, version: '1' } },
      metadata: { product: { name: 'Tokenwarden' } },
    });
  });

  it('negative control: the oracle reports a dropped alert and one never published', () => {
    const published = eventIds(makeAlerts(5));
    const received = [...published.slice(1), published[2], 'f0f0f0f0-0000-4000-8000-000000000000'];
    expect(judgeDelivery(published, received)).toEqual({
      missing: [published[0]],
      unexpected: ['f0f0f0f0-0000-4000-8000-000000000000'],
      raw: 6,
      distinct: 5,
    });
  });
});
