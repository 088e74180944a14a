// Throughput of the detector (issue 5, part 4) against a trivial consumer
// that only decodes the same events, in the same run, on the same topic:
//   - trivial: ConsumerRunner (fresh group) whose handler decodes each record
//     with the standard codec (EventCodec.decode: every field built);
//   - projected: the same, decoding with the detector's projection (only the
//     fields the rules read are built; the same checks run over every byte);
//   - detector: the same runner settings with the detector's DetectionLoop
//     (projected decode, every shipped rule, alerts published to Kafka and
//     acknowledged, metrics counted, as the process does).
// Rates are from the first record handled to the last (group join excluded).
// Each repetition runs all three, the order reversed every other repetition
// (the machine's load drifts); the report gives the median ratios and their
// range. Also the CPU-only rates of the same work in memory (no Kafka).
// Target (the issue's): detector / trivial >= 0.85. detector / projected is
// the stricter figure: the cost of the rules alone over the same decoding.
//
//   node -r ./scripts/ts-register.js bench/detector/throughput.ts
//
// Environment: BENCH_EVENTS (default 200 000), BENCH_REPEATS (default 7), TW_KAFKA_BROKERS.
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { loadInfraConfig } from '@tokenwarden/config';
import { EventCodec, ProjectedEventDecoder, TokenwardenEvent } from '@tokenwarden/events';
import { bootstrapTopics, ConsumedRecord, ConsumerRunner, EventProducer, KafkaConnection, topicNames, topicSpecs } from '@tokenwarden/kafka';
import { loadPolicyFile } from '@tokenwarden/policy';
import { uniqueName, waitFor } from '@tokenwarden/testing';
import { DetectionLoop } from '../../apps/detector/src/detection-loop';
import { DetectorMetrics } from '../../apps/detector/src/detector-metrics';
import { DetectionEngine } from '../../apps/detector/src/engine/detection-engine';
import { ALERT_PRODUCER_OPTIONS, publishAtOnce } from '../../apps/detector/src/kafka/alert-publisher';
import { eventProjection } from '../../apps/detector/src/rules/event-projection';
import { loadRuleFile } from '../../apps/detector/src/rules/parse-rules';
import { cpuPressure } from '../projector/bench-support';
import { issuedEvent, median, round, subjectRefOf, validatedEvent, writeReport } from './bench-events';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 200_000);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 7);
const TARGET = 0.85;
const ROOT = join(__dirname, '../..');
// The detector's defaults (TW_DETECTOR_*), for both sides.
const RUNNER = { minBytes: 1, maxWaitTimeMs: 100, maxBytesPerPartition: 1024 * 1024, partitionsConsumedConcurrently: 3 };

const infra = loadInfraConfig(process.env);
const codec = new EventCodec();
const rules = loadRuleFile(join(ROOT, 'config/detection-rules.json'));
const policy = loadPolicyFile(join(ROOT, 'config/policy.json'));
const projected = new ProjectedEventDecoder(eventProjection(rules));

/** Realistic mix over a 10-minute span: 20 000 subjects, two thirds issuances, one third validations, one storm. */
function events(startMs: number): TokenwardenEvent[] {
  const spanMs = 600_000;
  return Array.from({ length: EVENTS }, (_, i) => {
    const t = startMs + Math.floor((i * spanMs) / EVENTS);
    const subject = i % 500 === 0 ? subjectRefOf(-1) : subjectRefOf(i % 20_000);
    return i % 3 === 2 ? validatedEvent(i, subject, t) : issuedEvent(i, subject, t);
  });
}

const newEngine = () => new DetectionEngine({ rules, policy, producer: { service: 'detector', instance: 'bench', version: '0' }, maxKeysPerRule: 1_000_000 });

// Each timed run starts on a collected heap: otherwise a run pays for the garbage of the one before (a
// detector run after a detector run collected the previous engine's tables, and showed it in the ratio).
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

interface Timing {
  ms: number;
  recordsPerSecond: number;
}

async function drain(conn: KafkaConnection, dlq: EventProducer, topic: string, deadLetterTopic: string,
  handler: (records: ConsumedRecord[]) => Promise<void>): Promise<Timing> {
  let first = 0;
  let last = 0;
  let seen = 0;
  collectGarbage();
  const runner = new ConsumerRunner(conn, dlq, async (records) => {
    if (first === 0) first = performance.now();
    await handler(records);
    seen += records.length;
    last = performance.now();
  }, { groupId: uniqueName('bench_det_group'), topics: [topic], deadLetterTopic, fromBeginning: true, ...RUNNER });
  await runner.start();
  await waitFor(() => seen >= EVENTS, 600_000, { what: `${EVENTS} records`, intervalMs: 20 });
  await runner.stop();
  const ms = last - first;
  return { ms: round(ms), recordsPerSecond: round(EVENTS / (ms / 1000)) };
}

/** µs per event in memory: decoding in full, decoding the projection, and the detector's decode + engine. */
function cpuOnly(values: Buffer[]): { trivial: number; projected: number; detector: number } {
  const time = (work: () => void) => {
    collectGarbage();
    const t = performance.now();
    work();
    return round(((performance.now() - t) * 1000) / EVENTS, 2);
  };
  const trivial = time(() => values.forEach((v) => codec.decode(v)));
  const projection = time(() => values.forEach((v) => projected.decode(v)));
  const engine = newEngine();
  const detector = time(() => values.forEach((v) => engine.ingest(projected.decode(v))));
  return { trivial, projected: projection, detector };
}

const machine = () => ({ loadAverage: loadavg().map((l) => round(l, 2)), cpuPressure: cpuPressure() });

async function main(): Promise<void> {
  const machineBefore = machine();
  const names = topicNames(`${uniqueName('bench_det')}_`);
  const conn = new KafkaConnection({ brokers: infra.TW_KAFKA_BROKERS, clientId: 'bench-detector' });
  await bootstrapTopics(conn, topicSpecs(names, 3));
  const producer = new EventProducer(conn, { lingerMs: 20, maxBatchRecords: 2000 });
  await producer.connect();
  const input = events(Date.now() - 900_000);
  const values = input.map((e) => codec.encode(e.type, e.value as never));
  for (let i = 0; i < input.length; i += 2000) {
    await producer.publishAll(input.slice(i, i + 2000).map((e, j) => ({
      topic: names.tokenEvents, key: e.value.header.subject_ref, value: values[i + j], timestampMs: e.value.header.event_time,
    })));
  }
  // The detector publishes its alerts as the detector process does: its own producer settings, sent at once.
  const alertProducer = new EventProducer(conn, ALERT_PRODUCER_OPTIONS);
  await alertProducer.connect();
  const trivialRun = () => drain(conn, producer, names.tokenEvents, names.deadLetters, async (records) => {
    for (const rec of records) codec.decode(rec.value!);
  });
  const projectedRun = () => drain(conn, producer, names.tokenEvents, names.deadLetters, async (records) => {
    for (const rec of records) projected.decode(rec.value!);
  });
  // ... and counts into its metrics as the process does.
  let engine = newEngine();
  const metrics = new DetectorMetrics({ rules: () => engine.stats(), slabBytes: () => ({}), partitions: () => ({}), eventClockMs: () => engine.clockMs });
  const detectorRun = async () => {
    let alerts = 0;
    const publish = publishAtOnce(alertProducer);
    engine = newEngine();
    const loop = new DetectionLoop({
      engine, codec, decoder: projected, alertsTopic: names.alerts, observer: metrics, updateIntervalMs: 1000, // the detector's default
      publish: (records) => {
        alerts += records.length;
        return publish(records);
      },
    });
    return { ...(await drain(conn, producer, names.tokenEvents, names.deadLetters, loop.handle)), alerts };
  };
  type Rep = { order: string; trivial: Timing; projected: Timing; detector: Timing; ratio: number; ratioToProjected: number; alerts: number };
  const repetitions: Rep[] = [];
  // Repetition -1 warms the JIT for every path and is not reported; then the order reverses every other time.
  for (let r = -1; r < REPEATS; r++) {
    const detectorFirst = r % 2 !== 0;
    const runs: Record<string, () => Promise<Timing & { alerts?: number }>> = { trivial: trivialRun, projected: projectedRun, detector: detectorRun };
    const order = detectorFirst ? ['detector', 'projected', 'trivial'] : ['trivial', 'projected', 'detector'];
    const timed: Record<string, Timing & { alerts?: number }> = {};
    for (const name of order) timed[name] = await runs[name]();
    const { alerts = 0, ...detector } = timed.detector;
    const ratio = (base: Timing) => round(detector.recordsPerSecond / base.recordsPerSecond, 3);
    const rep = {
      order: order.join(' > '), trivial: timed.trivial, projected: timed.projected, detector, ratio: ratio(timed.trivial),
      ratioToProjected: ratio(timed.projected), alerts,
    };
    console.log(JSON.stringify({ warmup: r < 0, ...rep }));
    if (r >= 0) repetitions.push(rep);
  }
  cpuOnly(values); // warm-up
  const cpu = cpuOnly(values);
  await alertProducer.disconnect();
  await producer.disconnect();
  const ratios = repetitions.map((r) => r.ratio);
  const strict = repetitions.map((r) => r.ratioToProjected);
  const ratio = median(ratios);
  const report = {
    at: new Date().toISOString(), events: EVENTS, repeats: REPEATS, runner: RUNNER, repetitions,
    medianRatio: ratio, ratioRange: [Math.min(...ratios), Math.max(...ratios)],
    medianRatioToProjected: median(strict), ratioToProjectedRange: [Math.min(...strict), Math.max(...strict)],
    cpuOnly: { microsPerEvent: cpu }, target: TARGET, met: ratio >= TARGET, node: process.version,
    machine: { before: machineBefore, after: machine() },
  };
  console.log(JSON.stringify(report, null, 2));
  console.log(`report: ${writeReport('detector-throughput', report)}`);
  process.exitCode = report.met ? 0 : 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
