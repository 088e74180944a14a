// Phases A and B on the Kafka side: the ceilings of Kafka's own perf tools
// (ProducerPerformance, ConsumerPerformance from the broker's jars) against
// our producer (EventProducer) and a trivial kafkajs consumer, on records of
// our mean Avro size, in the same run, repetitions alternating.
import { EventCodec } from '@tokenwarden/events';
import { bootstrapTopics, EventProducer, KafkaConnection, topicNames, topicSpecs } from '@tokenwarden/kafka';
import { uniqueName } from '@tokenwarden/testing';
import { Kafka, logLevel } from 'kafkajs';
import { tokenEvent } from '../../test/projector/support/events';
import { errorText, progress, round, runChild } from './util';

export const PARTITIONS = 3;

export interface KafkaSample {
  /** Events encoded with @tokenwarden/events (issuances and validations, see test/projector/support/events). */
  values: Buffer[];
  keys: string[];
  meanValueBytes: number;
  meanKeyBytes: number;
}

export function sampleEvents(n: number): KafkaSample {
  const events = Array.from({ length: n }, (_, i) => tokenEvent(i));
  const values = events.map((e) => e.value);
  const keys = events.map((e) => e.key);
  return {
    values,
    keys,
    meanValueBytes: round(values.reduce((s, v) => s + v.length, 0) / n, 1),
    meanKeyBytes: round(keys.reduce((s, k) => s + Buffer.byteLength(k), 0) / n, 1),
  };
}

/** A fresh token-events topic (3 partitions, its production config) under a unique prefix; returns its name. */
export async function freshTopic(conn: KafkaConnection, label: string): Promise<string> {
  const names = topicNames(`${uniqueName(label)}.`);
  await bootstrapTopics(conn, topicSpecs(names, PARTITIONS).filter((s) => s.name === names.tokenEvents));
  return names.tokenEvents;
}

const infraScript = ['infra/local/infra', 'kafka-class'];

/** kafka-producer-perf-test: `records` records of `recordSize` bytes, unthrottled, default (idempotent, acks=all) producer. Records/s. */
export async function producerPerfTest(brokers: string[], topic: string, records: number, recordSize: number): Promise<number> {
  const r = await runChild('producer-perf-test', 'bash', [
    ...infraScript, 'org.apache.kafka.tools.ProducerPerformance',
    '--topic', topic, '--num-records', String(records), '--record-size', String(recordSize), '--throughput', '-1',
    '--producer-props', `bootstrap.servers=${brokers.join(',')}`,
  ], { quiet: true, timeoutMs: 300_000 });
  const m = /(\d+) records sent, ([\d.]+) records\/sec/.exec(r.stdout);
  if (r.code !== 0 || !m) throw new Error(`ProducerPerformance exited ${r.code}: ${r.stderr.slice(-500)}${r.stdout.slice(-500)}`);
  return Number(m[2]);
}

/**
 * kafka-consumer-perf-test on `topic` (fresh group, from the beginning):
 * fetch.nMsg.sec, which leaves out the group join, like our trivial consumer's rate.
 */
export async function consumerPerfTest(brokers: string[], topic: string, records: number): Promise<{ recordsPerSecond: number; withJoin: number }> {
  const r = await runChild('consumer-perf-test', 'bash', [
    ...infraScript, 'org.apache.kafka.tools.ConsumerPerformance',
    '--bootstrap-server', brokers.join(','), '--topic', topic, '--messages', String(records), '--timeout', '60000',
    '--group', uniqueName('bench_cperf'),
  ], { quiet: true, timeoutMs: 300_000 });
  const lines = r.stdout.trim().split('\n').filter((l) => /^\s*\d{4}-/.test(l));
  if (r.code !== 0 || lines.length === 0) throw new Error(`ConsumerPerformance exited ${r.code}: ${r.stderr.slice(-500)}${r.stdout.slice(-500)}`);
  // start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
  const cols = lines[lines.length - 1].split(',').map((c) => c.trim());
  const consumed = Number(cols[4]);
  if (consumed < records) throw new Error(`ConsumerPerformance consumed ${consumed}/${records}`);
  return { recordsPerSecond: Number(cols[9]), withJoin: Number(cols[5]) };
}

/** Share of a long read treated as warm-up (JVM class loading and JIT, kafkajs and V8 alike) and left out of the warm rates. */
export const WARM_UP_FRACTION = 0.2;

/**
 * kafka-consumer-perf-test with a warm JIT: reads `records` (a long topic) in
 * one JVM, reporting progress every 100 ms (--show-detailed-stats); the rate is
 * taken between the first report past WARM_UP_FRACTION of the records and the
 * last report, so the JVM's start and warm-up are left out.
 */
export async function consumerPerfTestWarm(brokers: string[], topic: string, records: number): Promise<number> {
  const r = await runChild('consumer-perf-test (warm)', 'bash', [
    ...infraScript, 'org.apache.kafka.tools.ConsumerPerformance',
    '--bootstrap-server', brokers.join(','), '--topic', topic, '--messages', String(records), '--timeout', '60000',
    '--group', uniqueName('bench_cperf_warm'), '--show-detailed-stats', '--reporting-interval', '100',
  ], { quiet: true, timeoutMs: 300_000 });
  // time (yyyy-MM-dd HH:mm:ss:SSS), threadId, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, ...
  const reports = r.stdout.split('\n').map((l) => /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d):(\d{3}), \d+, [\d.]+, [\d.]+, (\d+),/.exec(l.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ atMs: Date.parse(`${m[1]}T${m[2]}.${m[3]}`), consumed: Number(m[4]) }))
    .filter((x) => x.consumed >= WARM_UP_FRACTION * records);
  if (r.code !== 0 || reports.length < 2) throw new Error(`ConsumerPerformance (warm) exited ${r.code} with ${reports.length} reports past warm-up: ${r.stderr.slice(-300)}${r.stdout.slice(-300)}`);
  const [first, last] = [reports[0], reports[reports.length - 1]];
  return (last.consumed - first.consumed) / ((last.atMs - first.atMs) / 1000);
}

/**
 * Our producer as the token service configures it (EventProducer, lingerMs 0,
 * idempotent, acks=all), fed by `window` concurrent callers, each publishing
 * its next record once the previous one was acknowledged (as request handlers
 * do): records queue while a send is in flight and go out as the next batch.
 * The window bounds a batch under the broker's max message size (EventProducer
 * sends whatever is queued as one request). Records/s from first publish to last ack.
 */
export async function ourProducer(conn: KafkaConnection, topic: string, sample: KafkaSample, records: number, window: number): Promise<number> {
  const producer = new EventProducer(conn, { lingerMs: 0 });
  await producer.connect();
  try {
    let next = 0;
    const caller = async () => {
      for (let j = next++; j < records; j = next++) {
        const k = j % sample.values.length;
        await producer.publish({ topic, key: sample.keys[k], value: sample.values[k] });
      }
    };
    const t0 = performance.now();
    await Promise.all(Array.from({ length: window }, caller));
    return records / ((performance.now() - t0) / 1000);
  } finally {
    await producer.disconnect();
  }
}

export interface TrivialResult {
  /** From the end of the group join to the last record (join excluded, first fetch included). */
  recordsPerSecond: number;
  /** From the batch that passed WARM_UP_FRACTION of the records to the last record. */
  warmRecordsPerSecond: number;
  joinMs: number;
}

/**
 * A trivial kafkajs consumer in a fresh group reading `topic` from the
 * beginning: counts records (decode = false) or also Avro-decodes each value.
 */
export async function trivialConsumer(brokers: string[], topic: string, records: number, decode: boolean): Promise<TrivialResult> {
  const kafka = new Kafka({ brokers, clientId: 'bench-trivial', logLevel: logLevel.NOTHING });
  const groupId = uniqueName('bench_trivial');
  const consumer = kafka.consumer({ groupId, maxBytesPerPartition: 4 * 1024 * 1024, maxBytes: 32 * 1024 * 1024 });
  const codec = new EventCodec();
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    let counted = 0;
    let joined = 0;
    let warm = { at: 0, counted: 0 };
    const t0 = performance.now();
    // Like ConsumerPerformance's fetch time: from the end of the group join (partitions assigned) to the last record.
    consumer.on(consumer.events.GROUP_JOIN, () => {
      if (joined === 0) joined = performance.now();
    });
    const last = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`trivial consumer counted ${counted}/${records}`)), 300_000);
      consumer
        .run({
          partitionsConsumedConcurrently: PARTITIONS,
          eachBatch: async ({ batch }) => {
            if (decode) for (const m of batch.messages) codec.decode(m.value!);
            counted += batch.messages.length;
            if (warm.at === 0 && counted >= WARM_UP_FRACTION * records) warm = { at: performance.now(), counted };
            if (counted >= records) {
              clearTimeout(timer);
              resolve(performance.now());
            }
          },
        })
        .catch(reject);
    });
    return { recordsPerSecond: records / ((last - joined) / 1000), warmRecordsPerSecond: (records - warm.counted) / ((last - warm.at) / 1000), joinMs: joined - t0 };
  } finally {
    await consumer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
}

export interface KafkaRepetition {
  producerPerfTest: number;
  ourProducer: number;
  consumerPerfTest: number;
  consumerPerfTestWithJoin: number;
  /** ConsumerPerformance on the long topic ProducerPerformance wrote, warm-up left out. */
  consumerPerfTestWarm: number;
  trivialConsumer: number;
  /** The trivial consumer on that topic, the same warm-up left out. */
  trivialConsumerWarm: number;
  trivialDecodingConsumer: number;
  producerRatio: number;
  /** Warm trivial ÷ warm ConsumerPerformance, both on the long topic. */
  consumerRatio: number;
  /** The same on the short topic of real Avro records, both cold (as measured before). */
  consumerRatioCold: number;
}


/**
 * One repetition: both producers write fresh topics (order rotates with
 * `rep`), both `longRecords` (enough that the JVM's start and JIT warm-up
 * do not weigh on ProducerPerformance's rate, and V8's on ours). Then
 * ConsumerPerformance, the trivial and the decoding consumer read the topic
 * our producer wrote (real Avro records with keys: cold rates), and
 * ConsumerPerformance and the trivial consumer read the long topic (warm rates).
 */
export async function kafkaRepetition(brokers: string[], conn: KafkaConnection, sample: KafkaSample, records: number, longRecords: number, window: number, rep: number): Promise<KafkaRepetition> {
  const recordSize = Math.round(sample.meanValueBytes);
  const perfTopic = await freshTopic(conn, `bench_pperf${rep}`);
  const ourTopic = await freshTopic(conn, `bench_ours${rep}`);
  let pp = 0;
  let ours = 0;
  const producers = [
    async () => {
      pp = await producerPerfTest(brokers, perfTopic, longRecords, recordSize);
      progress(`  rep ${rep}: kafka-producer-perf-test ${Math.round(pp)} records/s (${longRecords} records)`);
    },
    async () => {
      ours = await ourProducer(conn, ourTopic, sample, longRecords, window);
      progress(`  rep ${rep}: our producer (EventProducer) ${Math.round(ours)} records/s (${longRecords} records)`);
    },
  ];
  for (let i = 0; i < producers.length; i += 1) await producers[(i + rep) % producers.length]();
  let cp = { recordsPerSecond: 0, withJoin: 0 };
  let trivial = 0;
  let decoding = 0;
  let cpWarm = 0;
  let trivialWarm = 0;
  const consumers = [
    async () => {
      cp = await consumerPerfTest(brokers, ourTopic, records);
      progress(`  rep ${rep}: kafka-consumer-perf-test ${Math.round(cp.recordsPerSecond)} records/s (fetch.nMsg.sec; ${Math.round(cp.withJoin)} with the group join)`);
    },
    async () => {
      trivial = (await trivialConsumer(brokers, ourTopic, records, false)).recordsPerSecond;
      progress(`  rep ${rep}: trivial kafkajs consumer ${Math.round(trivial)} records/s`);
    },
    async () => {
      decoding = (await trivialConsumer(brokers, ourTopic, records, true)).recordsPerSecond;
      progress(`  rep ${rep}: trivial decoding consumer ${Math.round(decoding)} records/s`);
    },
    async () => {
      cpWarm = await consumerPerfTestWarm(brokers, perfTopic, longRecords);
      progress(`  rep ${rep}: kafka-consumer-perf-test warm ${Math.round(cpWarm)} records/s (${longRecords} records, first ${WARM_UP_FRACTION * 100} % left out)`);
    },
    async () => {
      trivialWarm = (await trivialConsumer(brokers, perfTopic, longRecords, false)).warmRecordsPerSecond;
      progress(`  rep ${rep}: trivial kafkajs consumer warm ${Math.round(trivialWarm)} records/s (same topic, same warm-up left out)`);
    },
  ];
  for (let i = 0; i < consumers.length; i += 1) await consumers[(i + rep) % consumers.length]();
  await deleteTopics(brokers, [perfTopic, ourTopic]);
  return {
    producerPerfTest: round(pp),
    ourProducer: round(ours),
    consumerPerfTest: round(cp.recordsPerSecond),
    consumerPerfTestWithJoin: round(cp.withJoin),
    consumerPerfTestWarm: round(cpWarm),
    trivialConsumer: round(trivial),
    trivialConsumerWarm: round(trivialWarm),
    trivialDecodingConsumer: round(decoding),
    producerRatio: round(ours / pp, 3),
    consumerRatio: round(trivialWarm / cpWarm, 3),
    consumerRatioCold: round(trivial / cp.recordsPerSecond, 3),
  };
}

export async function deleteTopics(brokers: string[], topics: string[]): Promise<void> {
  const admin = new Kafka({ brokers, clientId: 'bench-cleanup', logLevel: logLevel.NOTHING }).admin();
  try {
    await admin.connect();
    await admin.deleteTopics({ topics });
  } catch (err) {
    progress(`  (could not delete topics ${topics.join(', ')}: ${errorText(err)})`);
  } finally {
    await admin.disconnect();
  }
}
