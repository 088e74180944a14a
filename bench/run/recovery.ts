// Phase D: recovery after kill -9, for the projector and for the detector,
// each as the real process (apps/*/src/main.ts via the fault tests' process
// helpers), judged by the fault tests' oracles.
//  - projector: half the events pre-filled, the rest published while the
//    projector drains; SIGKILL once a quarter has landed, restart at once;
//    recovery = kill until every acknowledged event is queryable and the group
//    committed the log end. Lost = acknowledged ids missing from ClickHouse;
//    duplicates = analyst-visible rows beyond the distinct ids (oracle.judge).
//  - detector: the FAULTS 6 scenario (test/detector/detector-killed.test.ts):
//    an uninterrupted run gives the expected alerts; a second run is SIGKILLed
//    once the storm alert is out, the rest is published, it restarts;
//    recovery = kill until the group committed the log end. Lost = expected
//    alerts missing or short; duplicates = unexpected alert ids, incidents
//    under several ids, or more than one OPEN version of an alert.
import type { Alert } from '@tokenwarden/events';
import { EventProducer, KafkaConnection, topicNames } from '@tokenwarden/kafka';
import { loadInfraConfig } from '@tokenwarden/config';
import { uniqueName, waitFor } from '@tokenwarden/testing';
import { sql } from '@tokenwarden/clickhouse';
import { benchProjectorEnv } from '../projector/bench-support';
import { tokenEvent } from '../../test/projector/support/events';
import { judge, observe } from '../../test/projector/support/oracle';
import { Pipeline } from '../../test/projector/support/pipeline';
import { ProjectorProcess } from '../../test/projector/support/projector-process';
import { compareAlertSets, finalAlerts } from '../../test/detector/support/alert-oracle';
import { DetectorProcess } from '../../test/detector/support/detector-process';
import { caughtUp, readAlerts } from '../../test/detector/support/kafka-read';
import { rawKafka } from '../../test/support/kafka-read';
import { alignedPeriodStart, EventScript, ScenarioEvent } from '../../test/detector/support/scenario';
import { progress, round } from './util';

export interface RecoveryResult {
  recoverySeconds: number;
  lost: number;
  duplicates: number;
  /** The oracle's findings, empty when it holds. */
  problems: string[];
  detail: Record<string, unknown>;
}

export async function projectorRecovery(events: number): Promise<RecoveryResult> {
  const t = await Pipeline.create('bench_recover');
  let projector: ProjectorProcess | undefined;
  try {
    const all = Array.from({ length: events }, (_, i) => tokenEvent(i));
    const half = Math.floor(events / 2);
    await t.publish(t.names.tokenEvents, all.slice(0, half), { chunk: 2000 });
    const env = benchProjectorEnv(t.projectorEnv());
    const count = async () =>
      Number((await t.store.query<{ n: string }>(`SELECT toString(count()) AS n FROM ${sql.identifier(`${t.database}.token_events`)}`))[0].n);
    projector = await ProjectorProcess.start(env, 60_000);
    const rest = t.publish(t.names.tokenEvents, all.slice(half), { chunk: 500 });
    await waitFor(async () => (await count()) >= events / 4, 120_000, { what: 'a quarter of the events to land before the kill', intervalMs: 20 });
    const landedAtKill = await count();
    const killedAt = Date.now();
    const exit = await projector.kill('SIGKILL');
    progress(`  projector SIGKILLed (${JSON.stringify(exit)}) with ${landedAtKill}/${events} rows landed; restarting`);
    projector = await ProjectorProcess.start(env, 60_000);
    const restartedMs = Date.now() - killedAt;
    await rest;
    await waitFor(async () => (await count()) >= events && (await t.drained()), 180_000, { what: 'the restarted projector to catch up', intervalMs: 50 });
    const recoverySeconds = round((Date.now() - killedAt) / 1000, 2);
    const obs = await observe(t.store, t.database);
    const problems = judge(obs, { landed: t.landed, published: t.published });
    const lost = [...t.landed].filter((id) => !obs.ids.has(id)).length;
    const [{ n }] = await t.store.query<{ n: string }>(`SELECT toString(count()) AS n FROM ${sql.identifier(`${t.database}.token_events`)}`);
    return {
      recoverySeconds,
      lost,
      duplicates: Math.max(0, obs.analystCount - obs.uniqueIds),
      problems,
      detail: { events, landedAtKill, restartedAfterMs: restartedMs, analystCount: obs.analystCount, uniqueIds: obs.uniqueIds, baseTableRows: Number(n), baseTableRowsNote: 'raw rows before ReplacingMergeTree dedup (merges stopped); analysts read the deduplicating view' },
    };
  } finally {
    if (projector?.alive) await projector.kill('SIGKILL');
    await t.teardown();
  }
}

/** The FAULTS 6 input (copied from test/detector/detector-killed.test.ts): four incidents amid normal traffic, in one aligned 5-minute period. */
function detectorScript(background: number): { events: ScenarioEvent[]; split: number } {
  const P = alignedPeriodStart();
  const s = new EventScript('unused', uniqueName('bench_d6'));
  const storm = s.subject('storm');
  for (let i = 0; i < 40; i++) s.issued(P + 60_000 + i * 3000 + 1, { subject: storm, client: 'storm-app' });
  for (let i = 0; i < 600; i++) s.issued(P + 20_000 + i * 400 + 2, { subject: s.subject(`bulk-${i}`), client: 'bulk' });
  const eve = s.subject('eve');
  for (let i = 0; i < 5; i++) s.validated(P + 100_000 + i * 20_000 + 3, { subject: eve, client: 'c', ip: '203.0.113.9', jti: 'stolen', reason: 'REVOKED' });
  const roamer = s.subject('roamer');
  for (let i = 0; i < 8; i++) s.validated(P + 30_000 + i * 30_000 + 4, { subject: roamer, client: 'c', ip: `198.51.100.${i + 10}`, jti: 'shared' });
  // Normal traffic (one issuance and one validation per subject), spread over the period: the volume to catch up on.
  for (let u = 0; u < background; u++) {
    const subject = s.subject(`user-${u}`);
    const at = P + 5_000 + Math.floor((u * 290_000) / background);
    s.issued(at + 5, { subject, client: `client-${u % 7}`, ip: `192.0.2.${u % 250}` });
    s.validated(at + 6, { subject, client: `client-${u % 7}`, ip: `192.0.2.${u % 250}`, jti: `ok-${u}` });
  }
  return { events: s.sorted(), split: P + 150_000 };
}

export async function detectorRecovery(background: number): Promise<RecoveryResult> {
  const brokers = loadInfraConfig(process.env).TW_KAFKA_BROKERS;
  const kafka = rawKafka(brokers);
  const conn = new KafkaConnection({ brokers, clientId: 'bench-detector-recovery' });
  const producer = new EventProducer(conn, { lingerMs: 5, maxBatchRecords: 2000 });
  await producer.connect();
  const started: DetectorProcess[] = [];
  const start = async (runEnv: Record<string, string>) => {
    const d = await DetectorProcess.start(runEnv, 90_000);
    started.push(d);
    return d;
  };
  try {
    const { events, split } = detectorScript(background);
    const newRun = (label: string) => {
      const prefix = `${uniqueName(`bench_d6_${label}`)}_`;
      const group = uniqueName(`bench_d6_${label}_group`);
      return { names: topicNames(prefix), group, env: { TW_KAFKA_BROKERS: brokers.join(','), TW_TOPIC_PREFIX: prefix, TW_TOPIC_PARTITIONS: '3', TW_DETECTOR_GROUP: group } };
    };
    type Run = ReturnType<typeof newRun>;
    // In chunks: EventProducer sends whatever is queued as one request, which must stay under the broker's max message size.
    const publish = async (run: Run, part: ScenarioEvent[]) => {
      for (let i = 0; i < part.length; i += 1000) await producer.publishAll(part.slice(i, i + 1000).map((e) => ({ ...e.record, topic: run.names.tokenEvents })));
    };
    const alertsOf = async (run: Run): Promise<Alert[]> => (await readAlerts(kafka, run.names.alerts)).map((r) => r.alert);
    const untilCaughtUp = (run: Run, what: string) => waitFor(() => caughtUp(kafka, run.group, run.names.tokenEvents), 180_000, { what, intervalMs: 50 });

    // Uninterrupted reference run.
    const whole = newRun('whole');
    const ref = await start(whole.env);
    await publish(whole, events);
    await untilCaughtUp(whole, 'the uninterrupted detector to catch up');
    await ref.kill('SIGTERM');
    const expected = await alertsOf(whole);
    progress(`  detector reference run: ${finalAlerts(expected).size} alerts over ${events.length} events`);

    // Killed run.
    const run = newRun('killed');
    const first = await start(run.env);
    await publish(run, events.filter((e) => e.timeMs < split));
    await waitFor(async () => (await alertsOf(run)).some((a) => a.rule_id === 'reissue-per-subject'), 120_000, { what: 'the storm alert before the kill', intervalMs: 50 });
    const killedAt = Date.now();
    const exit = await first.kill('SIGKILL');
    progress(`  detector SIGKILLed (${JSON.stringify(exit)}) mid-window; publishing the rest and restarting`);
    await publish(run, events.filter((e) => e.timeMs >= split));
    const restarted = await start(run.env);
    const restartedMs = Date.now() - killedAt;
    await untilCaughtUp(run, 'the restarted detector to catch up');
    const recoverySeconds = round((Date.now() - killedAt) / 1000, 2);
    await restarted.kill('SIGTERM');
    const actual = await alertsOf(run);
    const problems = compareAlertSets(expected, actual);
    const lost = problems.filter((p) => p.startsWith('missing alert') || / has count \d+, expected/.test(p)).length;
    let duplicates = problems.filter((p) => p.startsWith('unexpected alert') || p.includes('raised under')).length;
    for (const id of new Set(actual.map((a) => a.alert_id))) {
      const opens = actual.filter((a) => a.alert_id === id && a.status === 'OPEN').length;
      if (opens > 1) {
        duplicates += opens - 1;
        problems.push(`alert ${id} opened ${opens} times`);
      }
    }
    return {
      recoverySeconds,
      lost,
      duplicates,
      problems,
      detail: { events: events.length, expectedAlerts: finalAlerts(expected).size, actualAlerts: finalAlerts(actual).size, alertVersions: actual.length, restartedAfterMs: restartedMs, rebuild: restarted.logged('state rebuilt from Kafka') },
    };
  } finally {
    for (const d of started) await d.kill('SIGKILL');
    await producer.disconnect();
  }
}
