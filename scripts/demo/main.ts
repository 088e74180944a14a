/**
 * The main job (README quick start): topics and tables, sample events of every
 * kind published as Avro, decoded back from Kafka, landed in ClickHouse by the
 * real projector process, and shown with a plain query.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ClickHouseStore, clickHouseOptionsFromConfig, migrate, sql } from '@tokenwarden/clickhouse';
import { loadInfraConfig } from '@tokenwarden/config';
import { decode, encode } from '@tokenwarden/events';
import { bootstrapTopics, ConsumerRunner, EventProducer, KafkaConnection, topicNames, topicSpecs } from '@tokenwarden/kafka';
import { sampleStory } from './sample-story';

const ROOT = join(__dirname, '..', '..', '..');
const say = (s: string) => process.stdout.write(`${s}\n`);

async function main(): Promise<void> {
  const cfg = loadInfraConfig(process.env);
  const names = topicNames(cfg.TW_TOPIC_PREFIX);
  const conn = new KafkaConnection({ brokers: cfg.TW_KAFKA_BROKERS, clientId: 'tokenwarden-demo' });
  const store = new ClickHouseStore(clickHouseOptionsFromConfig(cfg));

  const topics = await bootstrapTopics(conn, topicSpecs(names, cfg.TW_TOPIC_PARTITIONS));
  say(`topics: created [${topics.created.join(', ')}], already there [${topics.existing.join(', ')}]`);
  const migrations = await migrate(store, { database: cfg.TW_CLICKHOUSE_DATABASE });
  say(`clickhouse ${cfg.TW_CLICKHOUSE_DATABASE}: applied migrations [${migrations.applied.join(', ')}], already applied ${migrations.alreadyApplied.length}`);

  const story = sampleStory(Date.now(), randomBytes(32));
  const producer = new EventProducer(conn, { lingerMs: 5 });
  await producer.connect();
  await producer.publishAll(story.map((e) => ({ topic: names[e.topic], key: e.key, value: encode(e.type, e.value as never), timestampMs: e.value.header.event_time })));
  say(`\npublished ${story.length} events (Avro single-object encoding), every one acknowledged by Kafka`);

  const ids = new Set(story.map((e) => e.value.header.event_id));
  await readBack(conn, producer, names, ids);
  await producer.disconnect();

  await landInClickHouse(store, cfg.TW_CLICKHOUSE_DATABASE, [...ids]);
  await store.close();
}

/** Reads the topics with a fresh consumer group and decodes our events back. */
async function readBack(conn: KafkaConnection, producer: EventProducer, names: ReturnType<typeof topicNames>, ids: Set<string>) {
  const seen = new Map<string, string>();
  const runner = new ConsumerRunner(conn, producer, async (records) => {
    for (const r of records) {
      const event = decode(r.value ?? Buffer.alloc(0));
      if (ids.has(event.value.header.event_id)) seen.set(event.value.header.event_id, `${r.topic}[${r.partition}]@${r.offset} ${event.type}`);
    }
  }, { groupId: `demo-reader-${Date.now()}`, topics: [names.tokenEvents, names.keyEvents], deadLetterTopic: names.deadLetters, maxWaitTimeMs: 100 });
  await runner.start();
  await until(() => seen.size === ids.size, 30000, 'all published events decoded back from Kafka');
  await runner.stop();
  say('decoded back from Kafka:');
  for (const line of seen.values()) say(`  ${line}`);
}

/** Runs the projector as its own process until our events are queryable, then stops it. */
async function landInClickHouse(store: ClickHouseStore, database: string, ids: string[]) {
  const projector = spawn(process.execPath, ['-r', 'tsconfig-paths/register', join(ROOT, 'dist/apps/projector/src/main.js')], {
    cwd: ROOT,
    env: { ...process.env, TS_NODE_PROJECT: join(ROOT, 'tsconfig.runtime.json'), TW_PROJECTOR_METRICS_PORT: '0' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const query =
    `SELECT event_type, count() AS events, uniqExact(event_id) AS distinct_ids FROM ${sql.identifier(database)}.token_events_v ` +
    `WHERE event_id IN (${ids.map((id) => sql.string(id)).join(', ')}) GROUP BY event_type ORDER BY event_type`;
  const keyQuery = `SELECT count() AS n FROM ${sql.identifier(database)}.key_events_v WHERE event_id IN (${ids.map((id) => sql.string(id)).join(', ')})`;
  try {
    say(`\nprojector started (pid ${projector.pid}); waiting for the events in ClickHouse ...`);
    const total = async () => {
      const rows = await store.query<{ events: string }>(query);
      const keys = await store.query<{ n: string }>(keyQuery);
      return rows.reduce((n, r) => n + Number(r.events), 0) + Number(keys[0].n);
    };
    await until(async () => (await total()) === ids.length, 60000, `${ids.length} events in ClickHouse`);
    const subject = await store.query<{ subject_ref: string }>(
      `SELECT any(subject_ref) AS subject_ref FROM ${sql.identifier(database)}.token_events_v WHERE event_type = 'TokenIssued' AND event_id IN (${ids.map((id) => sql.string(id)).join(', ')})`,
    );
    const timeline =
      `SELECT event_time, event_type, token_kind, jti, outcome, reason FROM ${sql.identifier(database)}.token_events_v\n` +
      `WHERE subject_ref = ${sql.string(subject[0].subject_ref)} ORDER BY event_time`;
    say(`\nall ${ids.length} events landed exactly once; counted by type through the analyst view:`);
    console.table(await store.query(query));
    say(`\nthe subject's token timeline, as an analyst would ask for it:\n${timeline}`);
    console.table(await store.query(timeline));
  } finally {
    projector.kill('SIGTERM');
    await new Promise((resolve) => projector.once('exit', resolve));
  }
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

main().catch((err) => {
  console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
