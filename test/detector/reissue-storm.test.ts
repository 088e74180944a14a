import { join } from 'node:path';
import { EventProducer, KafkaConnection, topicNames } from '@tokenwarden/kafka';
import { testEnv, uniqueName, waitFor } from '@tokenwarden/testing';
import { loadDetectorConfig } from '../../apps/detector/src/detector.config';
import { DetectorRuntime } from '../../apps/detector/src/detector-runtime';
import { finalAlerts, incidentOf } from './support/alert-oracle';
import { rawKafka } from '../support/kafka-read';
import { caughtUp, readAlerts } from './support/kafka-read';
import { alignedPeriodStart, EventScript } from './support/scenario';

const ROOT = join(__dirname, '../..');

describe('detector through real Kafka', () => {
  const env = testEnv();
  const prefix = `${uniqueName('det_storm')}_`;
  const group = uniqueName('det_storm_group');
  const names = topicNames(prefix);
  const kafka = rawKafka(env.kafkaBrokers);
  const conn = new KafkaConnection({ brokers: env.kafkaBrokers, clientId: 'detector-storm-test' });
  const producer = new EventProducer(conn, { lingerMs: 5 });
  const logs: string[] = [];
  let runtime: DetectorRuntime;

  beforeAll(async () => {
    const config = loadDetectorConfig({
      TW_KAFKA_BROKERS: env.kafkaBrokers.join(','), TW_TOPIC_PREFIX: prefix, TW_TOPIC_PARTITIONS: '3', TW_DETECTOR_GROUP: group,
      TW_DETECTOR_RULES_FILE: join(ROOT, 'config/detection-rules.json'), TW_POLICY_FILE: join(ROOT, 'config/policy.json'),
    });
    runtime = new DetectorRuntime(config, (level, message) => logs.push(`${level} ${message}`), (err) => {
      throw err;
    });
    await runtime.start();
    await producer.connect();
  });

  afterAll(async () => {
    await runtime?.stop();
    await producer.disconnect();
  });

  it('raises exactly the expected alerts for a reissue storm amid normal traffic, with real evidence ids', async () => {
    const p = alignedPeriodStart();
    const script = new EventScript(names.tokenEvents, prefix);
    const mallory = script.subject('mallory');
    const storm = Array.from({ length: 25 }, (_, i) => script.issued(p + 10_000 + i * 2000, { subject: mallory, client: 'mallory-app' }));
    for (let s = 0; s < 40; s++) {
      const subject = script.subject(`user-${s}`);
      const client = `client-${s % 10}`;
      const ip = `192.0.2.${s}`;
      script.issued(p + 5_000 + s * 6000, { subject, client, ip });
      script.issued(p + 8_000 + s * 6000, { subject, client, ip });
      script.validated(p + 9_000 + s * 6000, { subject, client, ip, jti: `ok-${s}` });
    }
    const eve = script.subject('eve');
    const stolen = [script.validated(p + 100_000, { subject: eve, client: 'c', ip: '203.0.113.9', jti: 'stolen', reason: 'REVOKED' }),
      script.validated(p + 101_000, { subject: eve, client: 'c', ip: '203.0.113.9', jti: 'stolen', reason: 'REVOKED' })];
    await producer.publishAll(script.sorted().map((e) => e.record));

    const expected = new Map([[`reissue-per-subject ${mallory}`, 25], ['revoked-token-use stolen', 2]]);
    const settled = await waitFor(async () => {
      if (!(await caughtUp(kafka, group, names.tokenEvents))) return undefined;
      const records = await readAlerts(kafka, names.alerts);
      const finals = [...finalAlerts(records.map((r) => r.alert)).values()];
      return finals.length >= expected.size && finals.every((a) => expected.get(incidentOf(a)) === a.count) ? records : undefined;
    }, 60_000, { what: 'the storm alerts with their final counts' });

    const finals = [...finalAlerts(settled.map((r) => r.alert)).values()];
    expect(new Map(finals.map((a) => [incidentOf(a), a.count]))).toEqual(expected);
    for (const r of settled) expect(r.key).toBe(r.alert.alert_id);
    const published = new Set(script.events.map((e) => e.id));
    for (const a of finals) for (const id of a.evidence_event_ids) expect(published.has(id)).toBe(true);
    const reissue = finals.find((a) => a.rule_id === 'reissue-per-subject')!;
    expect(reissue.evidence_event_ids.length).toBeGreaterThanOrEqual(5);
    expect(reissue.evidence_event_ids.every((id) => storm.includes(id))).toBe(true);
    expect(reissue).toMatchObject({ header: { subject_ref: mallory }, threshold: 20, severity: 'HIGH', last_seen: p + 58_000 });
    // 20 events in the window, 4 kept per key before the crossing: first_seen is accurate to one 30 s sub-bucket.
    expect(reissue.first_seen).toBeLessThanOrEqual(p + 10_000);
    expect(reissue.first_seen).toBeGreaterThan(p + 10_000 - 30_000);
    expect(finals.find((a) => a.rule_id === 'revoked-token-use')!.evidence_event_ids).toEqual(stolen);
    // One OPEN version per alert; every later version UPDATED.
    for (const a of finals) {
      const versions = settled.filter((r) => r.alert.alert_id === a.alert_id).map((r) => r.alert.status);
      expect(versions[0]).toBe('OPEN');
      expect(versions.slice(1).every((s) => s === 'UPDATED')).toBe(true);
    }
    const metrics = await runtime.metrics.text();
    expect(metrics).toMatch(/tw_detector_alerts_total\{rule="reissue-per-subject",status="OPEN"\} 1/);
    expect(metrics).toMatch(new RegExp(`tw_detector_tracked_keys\\{rule="reissue-per-subject"\\} 41`));
    expect(metrics).toMatch(/tw_detector_events_total\{type="TokenIssued"\} 105/);
  });
});
