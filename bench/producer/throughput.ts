// Producer throughput (issue 7, phase B): our EventProducer against
// kafka-producer-perf-test, side by side in one run, and two kafkajs floors
// (kafkajs' own sendBatch with prebuilt messages, no EventProducer around it).
//   - perf test: ProducerPerformance from the broker's jars, default producer
//     (idempotent, acks=all, linger 0, batch.size 16384, 5 in flight), records
//     of our mean Avro size, no key;
//   - ours: `ourProducer` of bench/run/kafka-phases.ts, EventProducer as the
//     token service configures it, BENCH_WINDOW concurrent callers, real Avro
//     values and their subject keys;
//   - kafkajs floor: one idempotent kafkajs producer (maxInFlightRequests 1,
//     acks=all) sending the same records as prebuilt messages, BENCH_WINDOW
//     per request, one request after the other; once with kafkajs' default
//     partitioner (what plain kafkajs costs), once with EventProducer's
//     keyPartitioner (the same partitions; what EventProducer adds on top).
// Each repetition runs all three on fresh topics, the order rotating; the
// report gives the median ratios and their range.
//
//   flock /tmp/tw-bench.lock node -r ./scripts/ts-register.js bench/producer/throughput.ts
//
// Environment: BENCH_RECORDS (1 000 000), BENCH_REPEATS (3), BENCH_WINDOW (1000), TW_KAFKA_BROKERS.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadInfraConfig } from '@tokenwarden/config';
import { KafkaConnection } from '@tokenwarden/kafka';
import { CompressionTypes, ICustomPartitioner, Kafka, logLevel, Message, Partitioners } from 'kafkajs';
import { keyPartitioner } from '../../libs/kafka/src/key-partitioner';
import { deleteTopics, freshTopic, KafkaSample, ourProducer, producerPerfTest, sampleEvents } from '../run/kafka-phases';
import { machine } from '../run/report';
import { median, progress, round } from '../run/util';

const RECORDS = Number(process.env.BENCH_RECORDS ?? 1_000_000);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const WINDOW = Number(process.env.BENCH_WINDOW ?? 1000);
const TARGET = 0.35;

/** kafkajs alone: prebuilt messages, `window` per sendBatch, idempotent, acks=all, one request in flight. Records/s. */
async function kafkajsFloor(brokers: string[], topic: string, sample: KafkaSample, records: number, window: number, createPartitioner: ICustomPartitioner): Promise<number> {
  const kafka = new Kafka({ brokers, clientId: 'bench-kafkajs-floor', logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner });
  await producer.connect();
  try {
    const messages: Message[] = sample.values.map((value, i) => ({ key: Buffer.from(sample.keys[i]), value }));
    const t0 = performance.now();
    for (let sent = 0; sent < records; sent += window) {
      const n = Math.min(window, records - sent);
      const start = sent % messages.length;
      const batch = start + n <= messages.length ? messages.slice(start, start + n) : [...messages.slice(start), ...messages.slice(0, start + n - messages.length)];
      await producer.sendBatch({ acks: -1, compression: CompressionTypes.None, topicMessages: [{ topic, messages: batch }] });
    }
    return records / ((performance.now() - t0) / 1000);
  } finally {
    await producer.disconnect();
  }
}

interface Repetition {
  perfTest: number;
  ours: number;
  /** kafkajs with its default partitioner. */
  kafkajsFloor: number;
  /** kafkajs with EventProducer's keyPartitioner. */
  kafkajsKeyPartitioner: number;
  ratio: number;
  floorRatio: number;
  keyPartitionerFloorRatio: number;
}

async function repetition(brokers: string[], conn: KafkaConnection, sample: KafkaSample, rep: number): Promise<Repetition> {
  const topics = {
    perf: await freshTopic(conn, `bench_prod_perf${rep}`),
    ours: await freshTopic(conn, `bench_prod_ours${rep}`),
    floor: await freshTopic(conn, `bench_prod_floor${rep}`),
    keyFloor: await freshTopic(conn, `bench_prod_keyfloor${rep}`),
  };
  const r = { perfTest: 0, ours: 0, kafkajsFloor: 0, kafkajsKeyPartitioner: 0 };
  const runs = [
    async () => (r.perfTest = await producerPerfTest(brokers, topics.perf, RECORDS, Math.round(sample.meanValueBytes))),
    async () => (r.ours = await ourProducer(conn, topics.ours, sample, RECORDS, WINDOW)),
    async () => (r.kafkajsFloor = await kafkajsFloor(brokers, topics.floor, sample, RECORDS, WINDOW, Partitioners.DefaultPartitioner)),
    async () => (r.kafkajsKeyPartitioner = await kafkajsFloor(brokers, topics.keyFloor, sample, RECORDS, WINDOW, keyPartitioner)),
  ];
  for (let i = 0; i < runs.length; i += 1) await runs[(i + rep) % runs.length]();
  await deleteTopics(brokers, Object.values(topics));
  return {
    perfTest: round(r.perfTest),
    ours: round(r.ours),
    kafkajsFloor: round(r.kafkajsFloor),
    kafkajsKeyPartitioner: round(r.kafkajsKeyPartitioner),
    ratio: round(r.ours / r.perfTest, 3),
    floorRatio: round(r.kafkajsFloor / r.perfTest, 3),
    keyPartitionerFloorRatio: round(r.kafkajsKeyPartitioner / r.perfTest, 3),
  };
}

async function main(): Promise<void> {
  const brokers = loadInfraConfig(process.env).TW_KAFKA_BROKERS;
  const conn = new KafkaConnection({ brokers, clientId: 'bench-producer' });
  const sample = sampleEvents(10_000);
  const before = machine();
  progress(`producer throughput: ${RECORDS} records of ${sample.meanValueBytes} B (+${sample.meanKeyBytes} B key), ${WINDOW} callers, ${REPEATS} reps; load ${JSON.stringify(before.loadAverage)}, PSI ${String(before.cpuPressureAvg10Avg60)}`);
  const reps: Repetition[] = [];
  for (let rep = 0; rep < REPEATS; rep += 1) {
    reps.push(await repetition(brokers, conn, sample, rep));
    const x = reps[rep];
    progress(`  rep ${rep}: perf test ${x.perfTest}/s, ours ${x.ours}/s (ratio ${x.ratio}), kafkajs ${x.kafkajsFloor}/s (${x.floorRatio}), kafkajs + keyPartitioner ${x.kafkajsKeyPartitioner}/s (${x.keyPartitionerFloorRatio})`);
  }
  const med = (f: (r: Repetition) => number) => round(median(reps.map(f)), 3);
  const range = (f: (r: Repetition) => number) => [Math.min(...reps.map(f)), Math.max(...reps.map(f))];
  const after = machine();
  const report = {
    at: new Date().toISOString(),
    records: RECORDS,
    window: WINDOW,
    meanValueBytes: sample.meanValueBytes,
    meanKeyBytes: sample.meanKeyBytes,
    target: TARGET,
    ratio: med((r) => r.ratio),
    ratioRange: range((r) => r.ratio),
    floorRatio: med((r) => r.floorRatio),
    keyPartitionerFloorRatio: med((r) => r.keyPartitionerFloorRatio),
    perfTest: med((r) => r.perfTest),
    ours: med((r) => r.ours),
    kafkajsFloor: med((r) => r.kafkajsFloor),
    kafkajsKeyPartitioner: med((r) => r.kafkajsKeyPartitioner),
    pass: med((r) => r.ratio) >= TARGET,
    repetitions: reps,
    machine: { before, after },
  };
  const outDir = join(__dirname, '..', 'out');
  mkdirSync(outDir, { recursive: true });
  const out = join(outDir, `producer-throughput-${report.at.replace(/[:.]/g, '-')}.json`);
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  progress(`ratio ours/perf test ${report.ratio} (range ${report.ratioRange.join('–')}, target ${TARGET}), kafkajs/perf test ${report.floorRatio}, kafkajs + keyPartitioner/perf test ${report.keyPartitionerFloorRatio}; load after ${JSON.stringify(after.loadAverage)}, PSI ${String(after.cpuPressureAvg10Avg60)}; ${out}`);
  process.exitCode = report.pass ? 0 : 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 2;
});
