import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { topicNames, TopicNames } from '@tokenwarden/kafka';
import { testEnv, uniqueName } from '@tokenwarden/testing';
import { GOLDEN_SUBJECT_KEY, testProducersJson } from '../../apps/ingest/fixtures/golden';
import { loadIngestConfig } from '../../apps/ingest/src/ingest.config';
import { createIngestApp } from '../../apps/ingest/src/ingest.module';
import { loadProducers } from '../../apps/ingest/src/producers/producer-config';

export interface RunningIngest {
  readonly url: string;
  readonly topics: TopicNames;
  post(path: string, key: string | undefined, body: unknown, headers?: Record<string, string>): Promise<{ status: number; headers: Headers; body: IngestAnswer }>;
  close(): Promise<void>;
}

/** What the ingest answers: a success body or a problem, loosely typed for assertions. */
export interface IngestAnswer {
  accepted: string[];
  duplicates: string[];
  errors?: Array<{ index: number; path: string; message: string }>;
  [field: string]: unknown;
}

export interface IngestOptions {
  readonly brokers?: string;
  readonly burst?: number;
  readonly eventsPerSecond?: number;
  readonly env?: Record<string, string>;
}

/**
 * The ingest app in this process, on a free port, against the real test
 * Kafka with its own topic prefix (single-partition topics, so "the first
 * record" is well defined) and the test producers file.
 */
export async function startIngest(options: IngestOptions = {}): Promise<RunningIngest> {
  const dir = mkdtempSync(join(tmpdir(), 'tw-ingest-'));
  const producersFile = join(dir, 'producers.json');
  writeFileSync(producersFile, JSON.stringify(testProducersJson({ burst: options.burst, eventsPerSecond: options.eventsPerSecond })));
  const prefix = `${uniqueName('ingest')}.`;
  const config = loadIngestConfig({
    TW_KAFKA_BROKERS: options.brokers ?? testEnv().kafkaBrokers.join(','),
    TW_TOPIC_PREFIX: prefix,
    TW_TOPIC_PARTITIONS: '1',
    TW_BOOTSTRAP_TOPICS: options.brokers ? 'false' : 'true',
    TW_INGEST_PORT: '0',
    TW_INGEST_HOST: '127.0.0.1',
    TW_INGEST_PRODUCERS_FILE: producersFile,
    TW_SUBJECT_REF_KEY: GOLDEN_SUBJECT_KEY.toString('hex'),
    TW_INGEST_MAX_EVENTS_PER_REQUEST: String(Math.min(500, options.burst ?? 500)),
    TW_INSTANCE_ID: 'ingest-golden',
    ...options.env,
  });
  const producers = loadProducers(config.TW_INGEST_PRODUCERS_FILE, { maxEventsPerRequest: config.TW_INGEST_MAX_EVENTS_PER_REQUEST });
  const logs: string[] = [];
  const app: INestApplication = await createIngestApp({ config, producers, log: (level, message) => logs.push(`${level} ${message}`), processMetrics: false });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    topics: topicNames(prefix),
    async post(path, key, body, headers = {}) {
      const res = await fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : {}) as IngestAnswer };
    },
    close: () => app.close(),
  };
}
