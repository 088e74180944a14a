// FAULTS.md 6: the detector is SIGKILLed mid-window (no shutdown hook, no
// flush, no offset commit) as a child process running the real main.ts.
// After a restart the final alert set (by id, final count) must equal that
// of an uninterrupted run over the same input. A run whose restart skips the
// state rebuild (TW_DETECTOR_REPLAY=false) is the negative control: the same
// comparison must catch its missing and short alerts.
import type { Alert } from '@tokenwarden/events';
import { EventProducer, KafkaConnection, topicNames } from '@tokenwarden/kafka';
import { testEnv, uniqueName, waitFor } from '@tokenwarden/testing';
import { compareAlertSets, finalAlerts, incidentOf } from './support/alert-oracle';
import { DetectorProcess } from './support/detector-process';
import { rawKafka } from '../support/kafka-read';
import { caughtUp, readAlerts } from './support/kafka-read';
import { alignedPeriodStart, EventScript, ScenarioEvent } from './support/scenario';

jest.setTimeout(360_000);

const env = testEnv();
const kafka = rawKafka(env.kafkaBrokers);
const conn = new KafkaConnection({ brokers: env.kafkaBrokers, clientId: 'detector-fault-test' });
const producer = new EventProducer(conn, { lingerMs: 5 });
const P = alignedPeriodStart();
const SPLIT = P + 150_000; // phase 1: events before, phase 2: after the kill

/** The same input for every run: four incidents amid normal traffic, all inside one aligned 5-minute period. */
function buildScript(): { events: ScenarioEvent[]; expected: Map<string, number> } {
  const s = new EventScript('unused', uniqueName('fault6'));
  const storm = s.subject('storm');
  for (let i = 0; i < 40; i++) s.issued(P + 60_000 + i * 3000 + 1, { subject: storm, client: 'storm-app' }); // 30 before the split
  for (let i = 0; i < 600; i++) s.issued(P + 20_000 + i * 400 + 2, { subject: s.subject(`bulk-${i}`), client: 'bulk' }); // 325 before
  const eve = s.subject('eve');
  for (let i = 0; i < 5; i++) s.validated(P + 100_000 + i * 20_000 + 3, { subject: eve, client: 'c', ip: '203.0.113.9', jti: 'stolen', reason: 'REVOKED' });
  const roamer = s.subject('roamer');
  for (let i = 0; i < 8; i++) s.validated(P + 30_000 + i * 30_000 + 4, { subject: roamer, client: 'c', ip: `198.51.100.${i + 10}`, jti: 'shared' });
  for (let u = 0; u < 100; u++) {
    const subject = s.subject(`user-${u}`);
    s.issued(P + 5_000 + u * 2800 + 5, { subject, client: `client-${u % 7}`, ip: `192.0.2.${u}` });
    s.validated(P + 6_000 + u * 2800 + 6, { subject, client: `client-${u % 7}`, ip: `192.0.2.${u}`, jti: `ok-${u}` });
  }
  const expected = new Map([
    [`reissue-per-subject ${storm}`, 40], ['reissue-per-client bulk', 600], ['revoked-token-use stolen', 5], ['token-many-ips shared', 8],
  ]);
  return { events: s.sorted(), expected };
}

const { events, expected } = buildScript();

interface Run {
  names: ReturnType<typeof topicNames>;
  group: string;
  env: Record<string, string>;
}

function newRun(label: string, extra: Record<string, string> = {}): Run {
  const prefix = `${uniqueName(`det_f6_${label}`)}_`;
  const group = uniqueName(`det_f6_${label}_group`);
  return {
    names: topicNames(prefix), group,
    env: { TW_KAFKA_BROKERS: env.kafkaBrokers.join(','), TW_TOPIC_PREFIX: prefix, TW_TOPIC_PARTITIONS: '3', TW_DETECTOR_GROUP: group, ...extra },
  };
}

const publish = (run: Run, part: ScenarioEvent[]) => producer.publishAll(part.map((e) => ({ ...e.record, topic: run.names.tokenEvents })));
const alertsOf = async (run: Run): Promise<Alert[]> => (await readAlerts(kafka, run.names.alerts)).map((r) => r.alert);

async function untilCaughtUp(run: Run, d: DetectorProcess): Promise<void> {
  await waitFor(() => caughtUp(kafka, run.group, run.names.tokenEvents), 90_000, { what: `group ${run.group} to commit the log end\n${d.describe()}` });
}

/** Uninterrupted: all input first, then one detector from start to end. */
async function uninterruptedRun(): Promise<Alert[]> {
  const run = newRun('whole');
  const d = await DetectorProcess.start(run.env);
  await publish(run, events);
  await untilCaughtUp(run, d);
  await d.kill('SIGTERM');
  return alertsOf(run);
}

/** Phase 1, SIGKILL as soon as the storm's alert is out (mid-incident, offsets maybe uncommitted), phase 2, restart. */
async function killedRun(label: string, extra: Record<string, string> = {}): Promise<{ alerts: Alert[]; restarted: DetectorProcess }> {
  const run = newRun(label, extra);
  const first = await DetectorProcess.start(run.env);
  await publish(run, events.filter((e) => e.timeMs < SPLIT));
  await waitFor(async () => (await alertsOf(run)).some((a) => a.rule_id === 'reissue-per-subject'), 60_000, {
    what: `the storm alert before the kill\n${first.describe()}`,
  });
  expect(await first.kill('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
  await publish(run, events.filter((e) => e.timeMs >= SPLIT));
  const restarted = await DetectorProcess.start(run.env);
  await untilCaughtUp(run, restarted);
  await restarted.kill('SIGTERM');
  return { alerts: await alertsOf(run), restarted };
}

describe('FAULTS.md 6: detector killed mid-window', () => {
  let whole: Alert[];

  beforeAll(async () => {
    await producer.connect();
    whole = await uninterruptedRun();
  });

  afterAll(() => producer.disconnect());

  it('the uninterrupted run raises exactly the scenario\'s incidents', () => {
    const finals = [...finalAlerts(whole).values()];
    expect(new Map(finals.map((a) => [incidentOf(a), a.count]))).toEqual(expected);
  });

  it('after SIGKILL and restart the alerts equal the uninterrupted run, each raised once', async () => {
    const { alerts, restarted } = await killedRun('killed');
    expect(compareAlertSets(whole, alerts)).toEqual([]);
    // Emission stayed idempotent: one OPEN version per alert, counts never go back.
    for (const id of new Set(alerts.map((a) => a.alert_id))) {
      const versions = alerts.filter((a) => a.alert_id === id);
      expect(versions.filter((a) => a.status === 'OPEN')).toHaveLength(1);
      expect(versions.map((a) => a.count)).toEqual([...versions.map((a) => a.count)].sort((x, y) => x - y));
    }
    // State came from the log: incidents from the alerts topic, windows from token-events.
    expect(restarted.logged('state rebuilt from Kafka')).toMatchObject({ restoredIncidents: expect.any(Number), replayedRecords: expect.any(Number) });
    expect(restarted.logged('state rebuilt from Kafka')!.restoredIncidents).toBeGreaterThanOrEqual(1);
    expect(restarted.logged('state rebuilt from Kafka')!.replayedRecords).toBeGreaterThan(0);
  });

  it('negative control: a restart without the rebuild loses alerts, and the comparison says which', async () => {
    const { alerts } = await killedRun('noreplay', { TW_DETECTOR_REPLAY: 'false' });
    const problems = compareAlertSets(whole, alerts);
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/^(missing alert|alert) .*reissue-per-client bulk/),
    ]));
    expect(problems.some((p) => p.includes('reissue-per-subject'))).toBe(true);
  });

  it('negative control: the comparison catches a lost, a duplicated and a short alert', () => {
    const finals = [...finalAlerts(whole).values()];
    const [a, b] = finals;
    expect(compareAlertSets(whole, whole.filter((x) => x.alert_id !== a.alert_id))).toEqual([expect.stringMatching(/^missing alert/)]);
    const duplicate = { ...a, alert_id: 'f'.repeat(32) };
    expect(compareAlertSets(whole, [...whole, duplicate])).toEqual([
      expect.stringMatching(/^unexpected alert f{32}/), expect.stringMatching(/raised under 2 alert ids$/),
    ]);
    const short = [...whole.filter((x) => x.alert_id !== b.alert_id), { ...b, count: b.count - 1 }];
    expect(compareAlertSets(whole, short)).toEqual([expect.stringMatching(new RegExp(`^alert ${b.alert_id} .* has count \\d+, expected ${b.count}`))]);
  });
});
