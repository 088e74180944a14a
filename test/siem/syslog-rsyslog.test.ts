import { Alert } from '@tokenwarden/events';
import { waitFor } from '@tokenwarden/testing';
import { HOSTILE_STRINGS } from '../../apps/siem-forwarder/src/testing/hostile-strings';
import { followUp, ForwarderHarness, makeAlerts } from './support/harness';
import { freePort } from './support/net';
import { judgeDelivery } from './support/oracle';
import { Rsyslog } from './support/rsyslog';
import { eventIdOf, syslogLineProblems } from './support/syslog-check';

const hostile = Object.values(HOSTILE_STRINGS);
const syslogSink = (port: number) => ({ type: 'syslog', name: 'rsyslog', host: '127.0.0.1', port, retry: { baseMs: 100, maxMs: 1000 } });

describe('syslog sink against Debian rsyslog (RFC 5424, octet counting, CEF)', () => {
  let h: ForwarderHarness;
  let rsyslog: Rsyslog | undefined;
  beforeEach(async () => {
    h = await ForwarderHarness.create();
  });
  afterEach(async () => {
    await h.teardown();
    await rsyslog?.stop();
    rsyslog = undefined;
  });

  it('delivers each alert exactly once, and every CEF line parses back to its alert', async () => {
    rsyslog = await Rsyslog.start();
    // Hostile strings in every free-text field the detector fills from events or rules.
    const alerts = makeAlerts(hostile.length, (i) => ({
      title: `t${i} ${hostile[i]}`,
      group_key: hostile[(i + 1) % hostile.length],
      rule_id: `rule-${hostile[(i + 2) % hostile.length]}`.slice(0, 200),
      mitre_techniques: ['T1550.001', hostile[(i + 3) % hostile.length]],
      header: { ...makeAlerts(1)[0].header, client_id: hostile[(i + 4) % hostile.length], tenant_id: `tenant ${hostile[i]}` },
    }));
    const all: Alert[] = [...alerts, ...alerts.slice(0, 5).map(followUp)];
    await h.publish(all);
    const runtime = await h.start({ sinks: [syslogSink(rsyslog.port)] });

    await waitFor(async () => (await h.committed()) === all.length, 60000, { what: `${all.length} alerts committed` });
    const lines = rsyslog.lines();
    const verdict = judgeDelivery(
      all.map((a) => a.header.event_id),
      lines.map(eventIdOf),
    );
    expect(verdict).toEqual({ missing: [], unexpected: [], raw: all.length, distinct: all.length }); // exactly once
    const byEventId = new Map(all.map((a) => [a.header.event_id, a]));
    const problems = lines.flatMap((line) => syslogLineProblems(line, byEventId.get(eventIdOf(line)) as Alert).map((p) => `${eventIdOf(line)} ${p}`));
    expect(problems).toEqual([]);
    expect(await h.metric(runtime, 'tw_siem_alerts_delivered_total', { sink: 'rsyslog' })).toBe(all.length);
  });

  it('keeps alerts in Kafka while rsyslog is down, then delivers each once', async () => {
    const port = await freePort();
    const alerts = makeAlerts(12);
    await h.publish(alerts);
    const runtime = await h.start({ sinks: [syslogSink(port)] });

    await waitFor(async () => (await h.metric(runtime, 'tw_siem_delivery_retries_total', { sink: 'rsyslog' })) >= 2, 30000, {
      what: 'two refused rounds',
    });
    expect(await h.committed()).toBe(0); // nothing acknowledged past an undelivered alert
    expect(await h.metric(runtime, 'tw_siem_delivery_failures_total', { sink: 'rsyslog', code: 'ERR_SIEM_SINK_UNREACHABLE' })).toBeGreaterThan(0);

    rsyslog = await Rsyslog.start(port);
    await waitFor(async () => (await h.committed()) === alerts.length, 60000, { what: 'all alerts committed after rsyslog came up' });
    const verdict = judgeDelivery(
      alerts.map((a) => a.header.event_id),
      rsyslog.lines().map(eventIdOf),
    );
    expect(verdict).toEqual({ missing: [], unexpected: [], raw: alerts.length, distinct: alerts.length });
  });
});
