// Produce-to-alert latency of the detector at 70 % of its sustained load (issue 5, part 4).
//
//   node -r ./scripts/ts-register.js bench/detector/latency.ts
//
// 1. Starts the real detector (apps/detector/src/main.ts) as a child process on
//    fresh topics (3 partitions), with the consumer tuning under test.
// 2. Sustained rate: an open-loop producer (records handed to the producer on a
//    10 ms schedule, never waiting for acks) sends background traffic at
//    increasing rates, BENCH_STEP_S seconds per step; the detector's progress is
//    read from its own /metrics (tw_detector_events_total). The sustained rate
//    is the highest step after which the detector is no more than half a
//    second of input behind, one second after the step.
// 3. At 70 % of it, for BENCH_MEASURE_S seconds (longer if needed for
//    BENCH_MIN_INCIDENTS incidents): background traffic plus, every
//    BENCH_INCIDENT_MS, an incident: a fresh subject gets 19 TokenIssued in one
//    tick and the 20th (the threshold of reissue-per-subject) some ticks later.
//    Enough incidents that the p99 is not just the slowest one (500: the 6th slowest).
//    The wall time at which that 20th record is handed to the producer is the
//    produce time; the alert is there when the broker appended the OPEN alert
//    with that subject as group key (the alerts topic uses LogAppendTime, so
//    the stamp does not depend on this process's event loop, which also
//    produces the load). Latency = append time - produce time. token-events
//    uses LogAppendTime too and the 20th record goes in a request of its own,
//    so each latency splits at the input's append (fromInputAppendMs: the
//    detector's share; the rest is the bench's producer). A consumer of
//    the alerts topic here (maxWait BENCH_ALERT_MAX_WAIT_MS) finds them; the
//    time it read each one is reported too (readLatencyMs).
// Target: p99 <= 100 ms. Writes bench/out/detector-latency-*.json; exit 1 when missed.
//
// Environment: TW_DETECTOR_MAX_WAIT_MS (detector fetch max wait, default here 20),
// TW_DETECTOR_MIN_BYTES (1), BENCH_RATES (comma list), BENCH_STEP_S (5),
// BENCH_MEASURE_S (30), BENCH_MIN_INCIDENTS (500), BENCH_INCIDENT_MS (20), BENCH_LOAD (0.7), BENCH_SUBJECTS (200 000), BENCH_RATE (skip the search), TW_KAFKA_BROKERS.
import { join } from 'node:path';
import { loadInfraConfig } from '@tokenwarden/config';
import { Alert, EventCodec, TokenwardenEvent } from '@tokenwarden/events';
import { bootstrapTopics, KafkaConnection, OutgoingRecord, topicNames, topicSpecs } from '@tokenwarden/kafka';
import { uniqueName, waitFor } from '@tokenwarden/testing';
import { Kafka, logLevel } from 'kafkajs';
import { DetectorProcess } from '../../test/detector/support/detector-process';
import { issuedEvent, round, validatedEvent, writeReport } from './bench-events';
import { quantile } from '../projector/bench-support';

const ROOT = join(__dirname, '../..');
const TARGET_P99_MS = 100;
const RATES = (process.env.BENCH_RATES ?? '1000,2000,4000,6000,8000,10000,12000,16000,20000,24000,28000,32000,40000').split(',').map(Number);
const STEP_S = Number(process.env.BENCH_STEP_S ?? 5);
const MEASURE_S = Number(process.env.BENCH_MEASURE_S ?? 30);
const INCIDENT_MS = Number(process.env.BENCH_INCIDENT_MS ?? 20);
const MIN_INCIDENTS = Number(process.env.BENCH_MIN_INCIDENTS ?? 500);
const LOAD = Number(process.env.BENCH_LOAD ?? 0.7);
const DETECTOR_MAX_WAIT_MS = process.env.TW_DETECTOR_MAX_WAIT_MS ?? '20';
const DETECTOR_MIN_BYTES = process.env.TW_DETECTOR_MIN_BYTES ?? '1';
const ALERT_MAX_WAIT_MS = Number(process.env.BENCH_ALERT_MAX_WAIT_MS ?? 10);
const THRESHOLD = 20; // reissue-per-subject in config/detection-rules.json
const TICK_MS = 10;
const SUBJECTS = Number(process.env.BENCH_SUBJECTS ?? 200_000);
const METRICS_PORT = 19000 + Math.floor(Math.random() * 900);

const infra = loadInfraConfig(process.env);
const codec = new EventCodec();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const hex64 = (n: number, salt: number) => `${salt.toString(16).padStart(8, '0')}${n.toString(16).padStart(56, '0')}`;

let seq = 0;
/**
 * Background: two thirds issuances, one third validations, over BENCH_SUBJECTS subjects and as many tokens
 * (too thin per subject to cross a threshold during the run) and 1 000 clients.
 */
function background(now: number): TokenwardenEvent {
  const i = seq++;
  const subject = hex64(i % SUBJECTS, 1);
  if (i % 3 !== 2) return issuedEvent(i, subject, now, `client-${i % 1000}`);
  const e = validatedEvent(i, subject, now, `client-${i % 1000}`);
  (e.value as { jti: string }).jti = `jti-${i % SUBJECTS}`;
  return e;
}
const toRecord = (topic: string, e: TokenwardenEvent): OutgoingRecord => ({
  topic, key: e.value.header.subject_ref, value: codec.encode(e.type, e.value as never), timestampMs: e.value.header.event_time,
});

const scrape = async (): Promise<string[]> => (await (await fetch(`http://127.0.0.1:${METRICS_PORT}/metrics`)).text()).split('\n');
const sample = (lines: string[], prefix: string): number =>
  lines.filter((l) => l.startsWith(prefix)).reduce((n, l) => n + Number(l.split(' ').pop()), 0);

async function scrapeEvents(): Promise<number> {
  return sample(await scrape(), 'tw_detector_events_total{');
}

/**
 * The detector's pauses, to tell its own stalls from the machine's: event-loop delay since the previous
 * scrape (the histogram resets on scrape) and GC pauses by kind over 10 and 100 ms (cumulative, diffed by the caller).
 */
async function scrapePauses(): Promise<{ loopDelayMaxMs: number; loopDelayP99Ms: number; gc: Record<string, number> }> {
  const lines = await scrape();
  const gc: Record<string, number> = {};
  for (const kind of ['minor', 'major', 'incremental']) {
    const upTo = (le: string) => sample(lines.filter((l) => l.includes(`le="${le}"`) && l.includes(`kind="${kind}"`)), 'tw_detector_nodejs_gc_duration_seconds_bucket{');
    gc[`${kind} total`] = upTo('+Inf');
    gc[`${kind} >10ms`] = upTo('+Inf') - upTo('0.01');
    gc[`${kind} >100ms`] = upTo('+Inf') - upTo('0.1');
  }
  return {
    loopDelayMaxMs: round(sample(lines, 'tw_detector_nodejs_eventloop_lag_max_seconds') * 1000, 1),
    loopDelayP99Ms: round(sample(lines, 'tw_detector_nodejs_eventloop_lag_p99_seconds') * 1000, 1),
    gc,
  };
}

interface Injection {
  subject: string;
  producedAtMs?: number;
  /** The broker's append time of the OPEN alert (LogAppendTime): when a SIEM forwarder can read it. */
  alertAtMs?: number;
  /** When this process's consumer handled it: later by the fetch wait and by this process's own stalls. */
  readAtMs?: number;
  /**
   * The broker's append time of the 20th record (token-events also uses LogAppendTime): from there on the wait is
   * the detector's; before it, the bench's producer's (same cores, same event loop as the load).
   */
  inputAppendAtMs?: number;
  /** One of its records was in a produce request Kafka refused: the detector never saw the incident. */
  notProduced?: boolean;
}

/** Nearest-rank percentiles of `ms` and its count. */
function percentiles(ms: number[]): { count: number; p50: number; p90: number; p99: number; max: number } {
  const at = (q: number) => (ms.length === 0 ? NaN : quantile(ms, q));
  return { count: ms.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: ms.length === 0 ? NaN : Math.max(...ms) };
}

async function main(): Promise<void> {
  const prefix = `${uniqueName('bench_detlat')}_`;
  const names = topicNames(prefix);
  const conn = new KafkaConnection({ brokers: infra.TW_KAFKA_BROKERS, clientId: 'bench-detector-latency' });
  // The alerts topic stamps each record with the broker's append time: the moment an alert is there for a SIEM
  // forwarder to read, independent of this process's event loop (which also produces the load and can stall).
  // token-events too, to split each latency at the append of the record that crossed the threshold.
  const appendTimed = [names.alerts, names.tokenEvents];
  const specs = topicSpecs(names, 3).map((t) => (appendTimed.includes(t.name) ? { ...t, config: { ...t.config, 'message.timestamp.type': 'LogAppendTime' } } : t));
  await bootstrapTopics(conn, specs);
  const detector = await DetectorProcess.start({
    TW_KAFKA_BROKERS: infra.TW_KAFKA_BROKERS.join(','), TW_TOPIC_PREFIX: prefix, TW_TOPIC_PARTITIONS: '3',
    TW_DETECTOR_GROUP: uniqueName('bench_detlat_group'), TW_DETECTOR_METRICS_PORT: String(METRICS_PORT),
    TW_DETECTOR_RULES_FILE: join(ROOT, 'config/detection-rules.json'), TW_POLICY_FILE: join(ROOT, 'config/policy.json'),
    TW_DETECTOR_MAX_WAIT_MS: DETECTOR_MAX_WAIT_MS, TW_DETECTOR_MIN_BYTES: DETECTOR_MIN_BYTES,
  });

  const injections = new Map<string, Injection>();
  const alertKafka = new Kafka({ brokers: infra.TW_KAFKA_BROKERS, clientId: 'bench-detector-latency-alerts', logLevel: logLevel.NOTHING });
  const raw = alertKafka.producer({ allowAutoTopicCreation: false, idempotent: false, maxInFlightRequests: 64 });
  await raw.connect();
  const alertConsumer = alertKafka.consumer({ groupId: uniqueName('bench_detlat_alerts'), maxWaitTimeInMs: ALERT_MAX_WAIT_MS, minBytes: 1 });
  await alertConsumer.connect();
  await alertConsumer.subscribe({ topic: names.alerts, fromBeginning: true });
  let alertsSeen = 0;
  await alertConsumer.run({
    eachBatch: async ({ batch }) => {
      const at = Date.now();
      for (const m of batch.messages) {
        alertsSeen += 1;
        const a = codec.decode(m.value!).value as Alert;
        const inj = a.rule_id === 'reissue-per-subject' ? injections.get(a.group_key) : undefined;
        if (inj && inj.alertAtMs === undefined) {
          inj.alertAtMs = Number(m.timestamp);
          inj.readAtMs = at;
        }
      }
    },
  });

  let sent = 0; // acknowledged by Kafka
  let publishErrors = 0;
  // One produce request per tick straight through kafkajs, not awaited (open loop). Not EventProducer: it sends its
  // whole queue as one request, which under a CPU stall outgrows the broker's message size limit.
  const produce = (records: OutgoingRecord[]) => raw.send({
    topic: names.tokenEvents, acks: -1,
    messages: records.map((r) => ({ key: r.key, value: r.value, timestamp: String(r.timestampMs) })),
  });
  const send = (records: OutgoingRecord[], incidents: Injection[]) => {
    if (records.length === 0) return;
    produce(records).then(() => (sent += records.length), () => {
      publishErrors += 1;
      for (const inj of incidents) inj.notProduced = true;
    });
  };

  /** The 20th record of an incident, in a request of its own: its acknowledgement carries its append time. */
  const sendCrossing = (record: OutgoingRecord, inj: Injection) => {
    produce([record])
      .then((meta) => {
        sent += 1;
        inj.inputAppendAtMs = Number(meta[0].logAppendTime);
      }, () => {
        publishErrors += 1;
        inj.notProduced = true;
      });
  };

  /** Open loop: every tick, hands the records due at `rate`/s since the start to the producer, never waiting for acks. */
  async function openLoop(rate: number, seconds: number, extra?: (now: number, tick: number, incidents: Injection[]) => OutgoingRecord[]): Promise<{ offered: number; achievedRate: number; lateTicks: number; maxTickLateMs: number }> {
    const start = Date.now();
    let offered = 0;
    let lateTicks = 0; // the bench's own stalls: ticks starting more than 20 ms after their schedule
    let maxTickLateMs = 0;
    for (let tick = 0; ; tick++) {
      const now = Date.now();
      const lateMs = now - (start + tick * TICK_MS);
      if (lateMs > 20) lateTicks += 1;
      maxTickLateMs = Math.max(maxTickLateMs, lateMs);
      if (now - start >= seconds * 1000) break;
      const due = Math.floor(((now - start) / 1000) * rate) - offered;
      const records = Array.from({ length: due }, () => toRecord(names.tokenEvents, background(now)));
      offered += due;
      const incidents: Injection[] = [];
      const more = extra?.(now, tick, incidents) ?? [];
      send([...records, ...more], incidents);
      await sleep(Math.max(0, start + (tick + 1) * TICK_MS - Date.now()));
    }
    return { offered, achievedRate: round(offered / ((Date.now() - start) / 1000)), lateTicks, maxTickLateMs };
  }

  // ---- 1. sustained rate
  const steps: Array<{ rate: number; achievedRate: number; behindAfter1s: number; ok: boolean; producerBound: boolean }> = [];
  let sustained = Number(process.env.BENCH_RATE ?? 0);
  let producerBound = false;
  let drain: { backlog: number; recordsPerSecond: number } | undefined;
  if (!sustained) {
    for (const rate of RATES) {
      const { achievedRate } = await openLoop(rate, STEP_S);
      await sleep(1000);
      const behind = sent - (await scrapeEvents());
      // The bench's own producer on the same 2 cores may be what cannot keep up: then the step says nothing about the detector.
      const bound = achievedRate < rate * 0.95;
      const ok = behind <= rate / 2 && !bound;
      steps.push({ rate, achievedRate, behindAfter1s: behind, ok, producerBound: bound });
      console.log(JSON.stringify(steps[steps.length - 1]));
      if (bound && behind <= rate / 2) {
        // The detector kept up with all the bench could send: a lower bound of its sustained rate, and never below
        // a step that held (the bench's producer may fall short of an earlier step's rate on a busy machine).
        producerBound = true;
        sustained = Math.max(sustained, achievedRate);
      }
      if (!ok) break;
      sustained = rate;
    }
    // Drain what is left before measuring; a real backlog also gives the detector's drain rate.
    const t0 = Date.now();
    const e0 = await scrapeEvents();
    await waitFor(async () => (await scrapeEvents()) >= sent, 300_000, { what: 'the detector to catch up', intervalMs: 100 });
    if (sent - e0 > 10_000) drain = { backlog: sent - e0, recordsPerSecond: round((sent - e0) / ((Date.now() - t0) / 1000)) };
  }

  // ---- 2. incidents at LOAD x sustained
  const rate = Math.round(sustained * LOAD);
  let n = 0;
  let pendingCross: Array<{ inj: Injection; atTick: number }> = [];
  const stormSalt = 2;
  const incidentTicks = Math.max(1, Math.round(INCIDENT_MS / TICK_MS));
  const pausesBefore = await scrapePauses();
  // The last 2 s only cross the incidents started before.
  const measureSeconds = Math.max(MEASURE_S, Math.ceil((MIN_INCIDENTS * INCIDENT_MS) / 1000) + 3);
  const measureEnd = Date.now() + measureSeconds * 1000;
  const measure = await openLoop(rate, measureSeconds, (now, tick, incidents) => {
    const out: OutgoingRecord[] = [];
    // The crossing (20th) event of an incident prepared a few ticks ago: stamped as it is handed to the producer.
    const due = pendingCross.filter((p) => p.atTick <= tick);
    pendingCross = pendingCross.filter((p) => p.atTick > tick);
    for (const { inj } of due) {
      const record = toRecord(names.tokenEvents, issuedEvent(seq++, inj.subject, now));
      inj.producedAtMs = Date.now();
      sendCrossing(record, inj);
    }
    if (tick % incidentTicks === 0 && now < measureEnd - 2000) {
      const subject = hex64(n++, stormSalt);
      const inj: Injection = { subject };
      injections.set(subject, inj);
      for (let k = 0; k < THRESHOLD - 1; k++) out.push(toRecord(names.tokenEvents, issuedEvent(seq++, subject, now)));
      pendingCross.push({ inj, atTick: tick + 5 });
      incidents.push(inj);
    }
    return out;
  });
  const pausesAfter = await scrapePauses();
  const detectorPauses = {
    loopDelayMaxMs: pausesAfter.loopDelayMaxMs, loopDelayP99Ms: pausesAfter.loopDelayP99Ms,
    gcPauses: Object.fromEntries(Object.entries(pausesAfter.gc).map(([k, n]) => [k, n - pausesBefore.gc[k]])),
  };
  await sleep(3000);
  await alertConsumer.disconnect();
  await detector.kill('SIGTERM');
  await raw.disconnect();

  // An incident whose records Kafka refused (the bench's producer, on a starved machine) cannot alert: counted apart.
  const crossed = [...injections.values()].filter((i) => i.producedAtMs !== undefined);
  const all = crossed.filter((i) => !i.notProduced);
  const alerted = all.filter((i) => i.alertAtMs !== undefined);
  const latencyMs = percentiles(alerted.map((i) => i.alertAtMs! - i.producedAtMs!));
  const report = {
    at: new Date().toISOString(),
    detector: { TW_DETECTOR_MAX_WAIT_MS: Number(DETECTOR_MAX_WAIT_MS), TW_DETECTOR_MIN_BYTES: Number(DETECTOR_MIN_BYTES), TW_DETECTOR_UPDATE_INTERVAL_MS: 1000 },
    alertConsumerMaxWaitMs: ALERT_MAX_WAIT_MS,
    sustained: { rate: sustained, producerBound, drain, stepSeconds: STEP_S, steps },
    measured: { load: LOAD, rate, achievedRate: measure.achievedRate, seconds: measureSeconds, incidentEveryMs: INCIDENT_MS },
    // Where a tail can come from: the bench's own stalls and the detector's (event-loop delay, GC pauses by duration).
    stalls: { benchLateTicks: measure.lateTicks, benchMaxTickLateMs: measure.maxTickLateMs, detector: detectorPauses },
    backgroundSubjects: SUBJECTS,
    incidents: all.length, alerted: alerted.length, notProduced: crossed.length - all.length, alertsSeen, publishErrors,
    latencyMs,
    // The same incidents up to this process's consumer handling the alert: the broker's append time plus the fetch wait
    // (ALERT_MAX_WAIT_MS) plus any stall of this process, which also produces the load.
    readLatencyMs: percentiles(alerted.map((i) => i.readAtMs! - i.producedAtMs!)),
    // The detector's share: from the broker's append of the crossing record to the append of its alert.
    fromInputAppendMs: percentiles(alerted.filter((i) => i.inputAppendAtMs !== undefined).map((i) => i.alertAtMs! - i.inputAppendAtMs!)),
    target: { p99Ms: TARGET_P99_MS }, met: all.length >= MIN_INCIDENTS && alerted.length === all.length && latencyMs.p99 <= TARGET_P99_MS,
    node: process.version,
    // [ms since the first incident, latency ms, of which after the input's append] per incident, to see whether the
    // tail is one stall or spread out, and whose.
    samples: all.map((i) => [i.producedAtMs! - all[0].producedAtMs!, i.alertAtMs === undefined ? null : i.alertAtMs - i.producedAtMs!,
      i.alertAtMs === undefined || i.inputAppendAtMs === undefined ? null : i.alertAtMs - i.inputAppendAtMs]),
  };
  console.log(JSON.stringify(report, null, 2));
  console.log(`report: ${writeReport('detector-latency', report)}`);
  process.exitCode = report.met ? 0 : 1;
}

main().then(() => process.exit(), (err: unknown) => {
  console.error(err);
  process.exit(1);
});
