// `npm run bench`: one harness for issue 7 part 2. Measures on this machine,
// in one run, each component against its ceiling and writes bench/report.json
// (targets, measured, notMeasured) and bench/report.md.
//
//   node -r ./scripts/ts-register.js bench/run.ts
//
// Phase A, ceilings: kafka-producer-perf-test / kafka-consumer-perf-test from
//   the broker's own jars (infra/local/infra kafka-class) with records of our
//   mean Avro size (the consumer ceiling also warm: a long topic read in one
//   JVM, warm-up left out); clickhouse-client inserting the projector's exact
//   rows (inside bench/projector/drain-rate.ts, same run).
// Phase B, components: our EventProducer and a trivial kafkajs consumer
//   (counting, and Avro-decoding) against those, repetitions alternating
//   (bench/run/kafka-phases.ts); the projector drain (bench/projector/drain-rate.ts)
//   and the detector (bench/detector/throughput.ts), run as their own processes.
// Phase D, recovery: kill -9 of the projector and of the detector mid-run
//   (bench/run/recovery.ts).
// Phase C, the full pipeline (bench/pipeline): our producer → token-events →
//   compiled projector and detector together → ClickHouse and alerts; an
//   open-loop rate sweep for the sustained rate, then end-to-end produce →
//   queryable (analyst view, soc_analyst) and produce → alert at 70 % of it;
//   sustained ÷ combined ceiling of the phase A stages. Also each component
//   alone (bench/projector/latency.ts, bench/detector/latency.ts), extra rows.
//
// Environment (defaults): BENCH_REPEATS (3), BENCH_KAFKA_RECORDS (200000), BENCH_CEILING_RECORDS (1000000),
// BENCH_PRODUCER_WINDOW (1000 concurrent publishers), BENCH_DRAIN_EVENTS (100000), BENCH_DETECTOR_EVENTS (100000),
// BENCH_RECOVERY_EVENTS (40000), BENCH_RECOVERY_BACKGROUND (3000 subjects),
// BENCH_PHASES (A,B,C,D; A and B's Kafka part run together), TW_KAFKA_BROKERS;
// phase C's sweep: BENCH_PIPELINE_HOLD_S (60), BENCH_PIPELINE_WARMUP_S (10),
// BENCH_PIPELINE_START_RATE (2000), BENCH_PIPELINE_BISECTIONS (2),
// BENCH_PIPELINE_MAX_RATE (100000); quick mode e.g. BENCH_PIPELINE_HOLD_S=15.
import { loadInfraConfig } from '@tokenwarden/config';
import { KafkaConnection } from '@tokenwarden/kafka';
import { numberAt, runComponentBench, scriptExists } from './run/component-benches';
import { pipelineSweep } from './pipeline/sweep';
import { kafkaRepetition, KafkaRepetition, sampleEvents, WARM_UP_FRACTION } from './run/kafka-phases';
import { Components, pipelineFigures, pipelineSection, Stages } from './run/pipeline-phase';
import { detectorRecovery, projectorRecovery, RecoveryResult } from './run/recovery';
import { machine, MEASURES, passes, Report, Target, writeReports } from './run/report';
import { errorText, median, progress, round, untilQuiet } from './run/util';

const num = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);
const SETTINGS = {
  repeats: num('BENCH_REPEATS', 3),
  kafkaRecords: num('BENCH_KAFKA_RECORDS', 200_000),
  ceilingRecords: num('BENCH_CEILING_RECORDS', 1_000_000),
  producerWindow: num('BENCH_PRODUCER_WINDOW', 1000),
  drainEvents: num('BENCH_DRAIN_EVENTS', 300_000),
  detectorEvents: num('BENCH_DETECTOR_EVENTS', 200_000),
  recoveryEvents: num('BENCH_RECOVERY_EVENTS', 40_000),
  recoveryBackgroundSubjects: num('BENCH_RECOVERY_BACKGROUND', 3000),
  projectorLatency: { BENCH_STEP_SECONDS: process.env.BENCH_STEP_SECONDS ?? '6', BENCH_LATENCY_SECONDS: process.env.BENCH_LATENCY_SECONDS ?? '15' },
  detectorLatency: { BENCH_STEP_S: process.env.BENCH_STEP_S ?? '4', BENCH_MEASURE_S: process.env.BENCH_MEASURE_S ?? '15' },
  phases: (process.env.BENCH_PHASES ?? 'A,B,C,D').split(',').map((p) => p.trim().toUpperCase()),
  pipeline: {
    step: {
      warmupSeconds: num('BENCH_PIPELINE_WARMUP_S', 10),
      holdSeconds: num('BENCH_PIPELINE_HOLD_S', 60),
      mix: { subjects: 200_000, clients: 5000, stormEveryMs: 250 },
      probesPerSecond: 50,
      flatSlopeFraction: 0.02,
      queryableP99TargetMs: 1500,
      alertP99TargetMs: 100,
    },
    startRate: num('BENCH_PIPELINE_START_RATE', 2000),
    factor: 1.5,
    bisections: num('BENCH_PIPELINE_BISECTIONS', 2),
    minRate: 200,
    maxRate: num('BENCH_PIPELINE_MAX_RATE', 100_000),
    loadFraction: 0.7,
  },
};

const measured: Record<string, number> = {};
const notMeasured: Record<string, string> = {};
const notes: Record<string, string> = {};
const ceilings: Record<string, unknown> = {};
const details: Record<string, unknown> = {};
const sections: Record<string, string[]> = {};
/** Stage ceilings of phase A, for the full pipeline's combined ceiling. */
const stages: Stages = {};
/** Our producer, projector and detector at their phase B rates (the composition bound of phase C). */
const components: Components = {};

function record(key: string, value: number | undefined, why = 'the benchmark produced no figure'): void {
  if (value === undefined || !Number.isFinite(value)) notMeasured[key] = why;
  else measured[key] = value;
}

/** Runs one step; a failure is reported (notMeasured for `keys`) and the run goes on. */
async function step(name: string, keys: string[], work: () => Promise<void>): Promise<void> {
  const quiet = await untilQuiet();
  const t0 = Date.now();
  progress(`${name}: start (waited ${quiet.seconds} s for CPU pressure ≤ 10 %: ${quiet.pressureBefore} → ${quiet.pressureAfter})`);
  try {
    await work();
    progress(`${name}: done in ${round((Date.now() - t0) / 1000, 1)} s`);
  } catch (err) {
    progress(`${name}: FAILED after ${round((Date.now() - t0) / 1000, 1)} s: ${errorText(err)}`);
    for (const k of keys) if (measured[k] === undefined) notMeasured[k] = `${name} failed: ${errorText(err)}`;
  }
}

async function kafkaPhases(): Promise<void> {
  const infra = loadInfraConfig(process.env);
  const brokers = infra.TW_KAFKA_BROKERS;
  const conn = new KafkaConnection({ brokers, clientId: 'bench-run' });
  const sample = sampleEvents(10_000);
  progress(`  mean Avro event ${sample.meanValueBytes} B (key ${sample.meanKeyBytes} B) over ${sample.values.length} encoded events`);
  const reps: KafkaRepetition[] = [];
  for (let rep = 0; rep < SETTINGS.repeats; rep += 1) {
    reps.push(await kafkaRepetition(brokers, conn, sample, SETTINGS.kafkaRecords, SETTINGS.ceilingRecords, SETTINGS.producerWindow, rep));
    progress(`  rep ${rep}: producer ratio ${reps[rep].producerRatio}, consumer ratio ${reps[rep].consumerRatio} warm (${reps[rep].consumerRatioCold} cold)`);
  }
  const med = (f: (r: KafkaRepetition) => number) => round(median(reps.map(f)), 3);
  record('producerVsPerfTest', med((r) => r.producerRatio));
  record('trivialConsumerVsPerfTest', med((r) => r.consumerRatio));
  notes.producerVsPerfTest = `EventProducer as the token service configures it (idempotent, acks=all, lingerMs 0) with ${SETTINGS.producerWindow} concurrent callers, ${SETTINGS.ceilingRecords} records of ${Math.round(sample.meanValueBytes)} B + ${Math.round(sample.meanKeyBytes)} B key; perf test: default producer, same value size, the same ${SETTINGS.ceilingRecords} records (long enough that neither the JVM's nor V8's start and JIT warm-up weigh on the rate)`;
  notes.trivialConsumerVsPerfTest = `warm: both read the same long topic (${SETTINGS.ceilingRecords} records of ${Math.round(sample.meanValueBytes)} B written by kafka-producer-perf-test), each rate over the records after the first ${WARM_UP_FRACTION * 100} % (the perf test's JVM start and JIT warm-up left out; its --show-detailed-stats reports every 100 ms); cold, on ${SETTINGS.kafkaRecords} real Avro records from the end of the group join, the ratio is ${med((r) => r.consumerRatioCold)} (see ceilings)`;
  Object.assign(ceilings, {
    [`kafka-producer-perf-test records/s (${SETTINGS.ceilingRecords} records)`]: med((r) => r.producerPerfTest),
    'our producer (EventProducer) records/s': med((r) => r.ourProducer),
    [`kafka-consumer-perf-test records/s, warm (${SETTINGS.ceilingRecords} records, first ${WARM_UP_FRACTION * 100} % left out)`]: med((r) => r.consumerPerfTestWarm),
    [`trivial kafkajs consumer records/s, warm (same topic, same warm-up left out)`]: med((r) => r.trivialConsumerWarm),
    [`kafka-consumer-perf-test records/s, cold (${SETTINGS.kafkaRecords} records, fetch.nMsg.sec)`]: med((r) => r.consumerPerfTest),
    'kafka-consumer-perf-test records/s incl. group join (nMsg.sec)': med((r) => r.consumerPerfTestWithJoin),
    'trivial kafkajs consumer records/s': med((r) => r.trivialConsumer),
    'trivial Avro-decoding kafkajs consumer records/s': med((r) => r.trivialDecodingConsumer),
    'mean Avro event bytes': sample.meanValueBytes,
  });
  details.kafka = { meanValueBytes: sample.meanValueBytes, meanKeyBytes: sample.meanKeyBytes, records: SETTINGS.kafkaRecords, ceilingRecords: SETTINGS.ceilingRecords, repetitions: reps };
  components.producer = { value: med((r) => r.ourProducer), source: `our EventProducer (${SETTINGS.producerWindow} concurrent callers), median` };
  stages.produce = { value: med((r) => r.producerPerfTest), source: `kafka-producer-perf-test (${SETTINGS.ceilingRecords} records), median` };
  stages.consume = { value: med((r) => r.consumerPerfTestWarm), source: `kafka-consumer-perf-test warm (${SETTINGS.ceilingRecords} records, first ${WARM_UP_FRACTION * 100} % left out), median; counted once although the pipeline reads the topic twice (projector and detector)` };
}

/** The formats bench/projector/drain-rate.ts times clickhouse-client with (the projector sends RowBinary). */
const INSERT_FORMATS = ['JSONEachRow', 'TabSeparated', 'RowBinary'];

async function projectorDrain(): Promise<void> {
  const r = await runComponentBench('drain-rate', 'projector', 'bench/projector/drain-rate.ts',
    { BENCH_EVENTS: String(SETTINGS.drainEvents), BENCH_REPEATS: String(SETTINGS.repeats) }, 600_000);
  record('projectorDrainVsCeiling', numberAt(r, 'medians.projector.ratio'));
  notes.projectorDrainVsCeiling = `bench/projector/drain-rate.ts, ${SETTINGS.drainEvents} events (its own default: about the backlog of a projector restart at the sustained rate; at 100 000 one fetch round lets start-up weigh on the rate, 0.59-0.66: see bench/projector/README.md); ceiling = the slower of its trivial consumer (projector fetch settings) and clickhouse-client (fastest of ${INSERT_FORMATS.join('/')})`;
  const byFormat = Object.fromEntries(INSERT_FORMATS.map((f) => [f, numberAt(r, `medians.clickhouseClientRowsPerSecond.${f}`)]));
  const fastest = Math.max(...Object.values(byFormat).map((v) => v ?? 0));
  if (fastest > 0) {
    stages.insert = { value: round(fastest), source: `clickhouse-client inserting the projector's exact rows (fastest of ${INSERT_FORMATS.join(', ')}, median), bench/projector/drain-rate.ts` };
  }
  Object.assign(ceilings, {
    ...Object.fromEntries(INSERT_FORMATS.map((f) => [`clickhouse-client insert rows/s (${f}, projector rows)`, byFormat[f]])),
    'drain-rate trivial consumer rows/s': numberAt(r, 'medians.trivialConsumerRowsPerSecond'),
    'projector drain rows/s': numberAt(r, 'medians.projector.rowsPerSecond'),
  });
  const drained = numberAt(r, 'medians.projector.rowsPerSecond');
  if (drained) components.projector = { value: drained, source: `projector draining ${SETTINGS.drainEvents} events (consume, decode, insert), median, bench/projector/drain-rate.ts` };
  details.projectorDrain = { reportPath: r.reportPath, medians: r.medians, exitCode: r.exitCode };
}

async function detectorThroughput(): Promise<void> {
  const r = await runComponentBench('detector-throughput', 'detector', 'bench/detector/throughput.ts',
    { BENCH_EVENTS: String(SETTINGS.detectorEvents), BENCH_REPEATS: String(SETTINGS.repeats) }, 600_000);
  record('detectorVsDecodingConsumer', numberAt(r, 'medianRatio'));
  notes.detectorVsDecodingConsumer = `bench/detector/throughput.ts, ${SETTINGS.detectorEvents} events (its own default; at 100 000 the engine's start-up, its tables growing and the first alerts encoded cold, weighs on the rate: 0.82-0.87 against 0.90-0.91 side by side, see bench/detector/README.md), same ConsumerRunner settings, after a warm-up repetition`;
  const reps = Array.isArray(r.repetitions) ? (r.repetitions as Array<Record<string, unknown>>) : [];
  const detected = round(median(reps.map((x) => numberAt(x, 'detector.recordsPerSecond') ?? NaN)));
  Object.assign(ceilings, {
    'detector-throughput decoding consumer records/s': round(median(reps.map((x) => numberAt(x, 'trivial.recordsPerSecond') ?? NaN))),
    'detector records/s': detected,
  });
  if (detected > 0) components.detector = { value: detected, source: `detector (consume, decode, rules, alerts), median, bench/detector/throughput.ts` };
  details.detectorThroughput = { reportPath: r.reportPath, repetitions: r.repetitions, cpuOnly: r.cpuOnly, exitCode: r.exitCode };
}

async function latencies(): Promise<void> {
  if (scriptExists('bench/projector/latency.ts')) {
    await step('phase C: projector alone, produce → queryable (bench/projector/latency.ts)', ['projectorAloneProduceToQueryableP99Ms'], async () => {
      const r = await runComponentBench('projector-latency', 'projector', 'bench/projector/latency.ts', SETTINGS.projectorLatency, 420_000);
      // latency.ts reports either one run (latency.latencyMs) or one per variant (latency.projector.latencyMs).
      const at = numberAt(r, 'latency.latencyMs.p99') !== undefined ? 'latency.latencyMs' : 'latency.projector.latencyMs';
      record('projectorAloneProduceToQueryableP99Ms', numberAt(r, `${at}.p99`), `bench/projector/latency.ts gave no ${at}.p99`);
      notes.projectorAloneProduceToQueryableP99Ms = `bench/projector/latency.ts: the projector alone at 70 % of its own sustained rate (${numberAt(r, 'sustainedRate')} events/s), p50 ${numberAt(r, `${at}.p50`)} ms`;
      ceilings['projector sustained events/s (open loop)'] = numberAt(r, 'sustainedRate');
      details.projectorLatency = { reportPath: r.reportPath, sustainedRate: r.sustainedRate, latency: r.latency, exitCode: r.exitCode };
    });
  } else notMeasured.projectorAloneProduceToQueryableP99Ms = 'bench/projector/latency.ts does not exist in this checkout';
  if (scriptExists('bench/detector/latency.ts')) {
    await step('phase C: detector alone, produce → alert (bench/detector/latency.ts)', ['detectorAloneProduceToAlertP99Ms'], async () => {
      const r = await runComponentBench('detector-latency', 'detector', 'bench/detector/latency.ts', SETTINGS.detectorLatency, 420_000);
      record('detectorAloneProduceToAlertP99Ms', numberAt(r, 'latencyMs.p99'));
      notes.detectorAloneProduceToAlertP99Ms = `bench/detector/latency.ts: the detector alone at 70 % of its own sustained rate (${numberAt(r, 'sustained.rate')} events/s: the highest step that held, a lower bound if it was the last one tried), from the hand-over of the 20th issuance of a reissue storm to the broker's append time of its OPEN alert (LogAppendTime on the alerts topic), p50 ${numberAt(r, 'latencyMs.p50')} ms, p90 ${numberAt(r, 'latencyMs.p90')} ms, max ${numberAt(r, 'latencyMs.max')} ms over ${numberAt(r, 'latencyMs.count')} incidents; read by the bench's own consumer, which shares its event loop with the load: p50 ${numberAt(r, 'readLatencyMs.p50')}, p99 ${numberAt(r, 'readLatencyMs.p99')} ms; bench schedule up to ${numberAt(r, 'stalls.benchMaxTickLateMs')} ms late`;
      ceilings['detector sustained events/s (open loop)'] = numberAt(r, 'sustained.rate');
      details.detectorLatency = { reportPath: r.reportPath, sustained: r.sustained, measured: r.measured, latencyMs: r.latencyMs, readLatencyMs: r.readLatencyMs, stalls: r.stalls, incidents: r.incidents, alerted: r.alerted, exitCode: r.exitCode };
    });
  } else notMeasured.detectorAloneProduceToAlertP99Ms = 'bench/detector/latency.ts does not exist in this checkout';
}

const PIPELINE_KEYS = ['pipelineSustainedVsCombinedCeiling', 'produceToQueryableP99Ms', 'produceToAlertP99Ms'];

async function pipelinePhase(): Promise<void> {
  const sweep = await pipelineSweep(SETTINGS.pipeline, progress);
  details.pipeline = sweep;
  sections['Full pipeline (phase C)'] = pipelineSection(sweep, stages, components, SETTINGS.pipeline);
  const f = pipelineFigures(sweep, stages, components, SETTINGS.pipeline);
  for (const [k, v] of Object.entries(f.values)) record(k, v, f.whyMissing[k]);
  Object.assign(notes, f.notes);
}

function recordRecovery(prefix: 'projector' | 'detector', unit: 'Rows' | 'Alerts', r: RecoveryResult): void {
  record(`${prefix}RecoverySeconds`, r.recoverySeconds);
  record(`${prefix}RecoveryLost${unit}`, r.lost);
  record(`${prefix}RecoveryDuplicate${unit}`, r.duplicates);
  details[`${prefix}Recovery`] = r;
  const restarted = typeof r.detail.restartedAfterMs === 'number' ? round(r.detail.restartedAfterMs / 1000, 1) : undefined;
  const extra = prefix === 'projector'
    ? `; ${r.detail.events} events, ${r.detail.landedAtKill} landed at the kill; base table holds ${r.detail.baseTableRows} raw rows (redelivered after the kill, collapsed by the deduplicating analyst view: ${r.detail.analystCount} visible, ${r.detail.uniqueIds} distinct)`
    : `; FAULTS 6 scenario with background traffic, ${r.detail.events} events, ${r.detail.expectedAlerts} alerts expected, ${r.detail.actualAlerts} raised`;
  notes[`${prefix}RecoverySeconds`] = `from the SIGKILL: the restarted process consumed again after ${restarted} s (its group join waits out the killed member's session, default 30 s), caught up ${restarted === undefined ? '?' : round(r.recoverySeconds - restarted, 1)} s later${extra}`;
  if (r.problems.length > 0) notes[`${prefix}RecoveryLost${unit}`] = `oracle: ${r.problems.slice(0, 3).join('; ')}`;
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const before = machine();
  progress(`machine: ${before.cpuModel}, ${before.cores} cores, load ${JSON.stringify(before.loadAverage)}; kafka ${before.kafka}, clickhouse ${before.clickhouse}; phases ${SETTINGS.phases.join(',')}`);
  const has = (p: string) => SETTINGS.phases.includes(p);
  const skipped = (keys: string[], why: string) => keys.forEach((k) => (notMeasured[k] = why));

  if (has('A') || has('B')) await step('phases A+B: Kafka perf tools vs our producer and trivial consumers', ['producerVsPerfTest', 'trivialConsumerVsPerfTest'], kafkaPhases);
  else skipped(['producerVsPerfTest', 'trivialConsumerVsPerfTest'], 'phases A/B not selected (BENCH_PHASES)');
  if (has('B')) {
    await step('phase B: projector drain (bench/projector/drain-rate.ts)', ['projectorDrainVsCeiling'], projectorDrain);
    await step('phase B: detector throughput (bench/detector/throughput.ts)', ['detectorVsDecodingConsumer'], detectorThroughput);
  } else skipped(['projectorDrainVsCeiling', 'detectorVsDecodingConsumer'], 'phase B not selected (BENCH_PHASES)');
  if (has('D')) {
    await step('phase D: projector kill -9', ['projectorRecoverySeconds', 'projectorRecoveryLostRows', 'projectorRecoveryDuplicateRows'], async () =>
      recordRecovery('projector', 'Rows', await projectorRecovery(SETTINGS.recoveryEvents)));
    await step('phase D: detector kill -9', ['detectorRecoverySeconds', 'detectorRecoveryLostAlerts', 'detectorRecoveryDuplicateAlerts'], async () =>
      recordRecovery('detector', 'Alerts', await detectorRecovery(SETTINGS.recoveryBackgroundSubjects)));
  } else skipped(['projectorRecoverySeconds', 'projectorRecoveryLostRows', 'projectorRecoveryDuplicateRows', 'detectorRecoverySeconds', 'detectorRecoveryLostAlerts', 'detectorRecoveryDuplicateAlerts'], 'phase D not selected (BENCH_PHASES)');
  if (has('C')) {
    await step('phase C: full pipeline sweep and latency at 70 % (bench/pipeline)', PIPELINE_KEYS, pipelinePhase);
    await latencies();
  } else skipped([...PIPELINE_KEYS, 'projectorAloneProduceToQueryableP99Ms', 'detectorAloneProduceToAlertP99Ms'], 'phase C not selected (BENCH_PHASES)');

  const targets: Record<string, Target> = Object.fromEntries(Object.entries(MEASURES).map(([k, m]) => [k, m.target]));
  const pass = Object.fromEntries(Object.entries(measured).map(([k, v]) => [k, passes(MEASURES[k].target, v)]));
  const report: Report = {
    at: new Date().toISOString(),
    durationSeconds: round((Date.now() - t0) / 1000),
    settings: SETTINGS,
    machine: { before, after: machine() },
    targets,
    measured,
    pass,
    notMeasured,
    notes,
    ceilings,
    sections,
    details,
  };
  const paths = writeReports(report);
  for (const [k, v] of Object.entries(measured)) progress(`${pass[k] ? 'pass' : 'FAIL'} ${k} = ${v} (target ${JSON.stringify(targets[k])})`);
  for (const [k, why] of Object.entries(notMeasured)) progress(`not measured ${k}: ${why}`);
  progress(`written ${paths.json} and ${paths.md} (${report.durationSeconds} s)`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 2;
});
