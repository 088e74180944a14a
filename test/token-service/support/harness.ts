// Starts real token-service instances (Nest app + runtime) on ephemeral ports against the test Kafka.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootstrapTopics, KafkaConnection, topicNames, TopicNames, topicSpecs } from '@tokenwarden/kafka';
import { testEnv, uniqueName } from '@tokenwarden/testing';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Log } from '@tokenwarden/config';
import { createTokenServiceApp } from '../../../apps/token-service/src/http/create-app';
import { TokenServiceRuntime } from '../../../apps/token-service/src/runtime/token-service.runtime';
import { loadTokenServiceConfig } from '../../../apps/token-service/src/token-service.config';
import { TestClients, testClients } from './clients';

export const ISSUER = 'https://id.tokenwarden.test';
export const ADMIN_TOKEN = 'YWRtaW4tdG9rZW4tZm9yLXRlc3RzLW9ubHktMDEyMzQ1Njc4OWFiY2RlZg';

export interface Instance {
  readonly url: string;
  readonly runtime: TokenServiceRuntime;
  readonly app: NestExpressApplication;
  readonly logs: Array<{ level: string; message: string; fields?: Record<string, unknown> }>;
  close(): Promise<void>;
}

export interface Cluster {
  readonly prefix: string;
  readonly topics: TopicNames;
  readonly clients: TestClients;
  readonly keyDir: string;
  readonly clientsFile: string;
  /**
   * `offline`: Kafka at a closed port; only the keys are bootstrapped (their
   * events wait in the outbox), so the HTTP layer runs with no way to audit.
   */
  start(env?: Record<string, string>, opts?: { now?: () => number; offline?: boolean }): Promise<Instance>;
  stopAll(): Promise<void>;
}

/** Topics with a unique prefix, a clients file and a shared key directory for the instances of one test file. */
export async function cluster(name: string): Promise<Cluster> {
  const prefix = `${uniqueName(name)}.`;
  const topics = topicNames(prefix);
  const conn = new KafkaConnection({ brokers: testEnv().kafkaBrokers, clientId: 'token-service-test-bootstrap' });
  await bootstrapTopics(conn, topicSpecs(topics, 3));
  const dir = mkdtempSync(join(tmpdir(), 'tw-token-service-'));
  const clients = await testClients();
  const clientsFile = join(dir, 'clients.json');
  writeFileSync(clientsFile, JSON.stringify(clients.json));
  const keyDir = join(dir, 'keys');
  const running: Instance[] = [];
  let n = 0;
  return {
    prefix, topics, clients, keyDir, clientsFile,
    async start(env = {}, opts = {}) {
      n += 1;
      const config = loadTokenServiceConfig({
        TW_ISSUER: ISSUER, TW_KAFKA_BROKERS: testEnv().kafkaBrokers.join(','), TW_TOPIC_PREFIX: prefix, TW_CLIENTS_FILE: clientsFile,
        TW_POLICY_FILE: 'config/policy.json', TW_KEY_DIR: keyDir, TW_INSTANCE_ID: `${name}-${n}`, TW_ADMIN_TOKEN: ADMIN_TOKEN,
        TW_KEY_ENCRYPTION_KEY: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
        TW_SUBJECT_REF_KEY: 'Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWprbG1ub3A', TW_DEFAULT_AUDIENCE: 'https://api.tokenwarden.test',
        TW_AUDIT_ACK_TIMEOUT_MS: '3000', ...(opts.offline ? { TW_KAFKA_BROKERS: `127.0.0.1:${await closedPort()}` } : {}), ...env,
      });
      const logs: Instance['logs'] = [];
      const log: Log = (level, message, fields) => logs.push({ level, message, fields });
      const runtime = new TokenServiceRuntime({ config, log, now: opts.now });
      const app = await createTokenServiceApp(runtime, ['error']);
      if (opts.offline) await runtime.c.keys.start();
      else await runtime.start();
      await app.listen(0, '127.0.0.1');
      const port = (app.getHttpServer().address() as { port: number }).port;
      const instance: Instance = {
        url: `http://127.0.0.1:${port}`, runtime, app, logs,
        close: async () => {
          await app.close();
          await runtime.stop();
        },
      };
      running.push(instance);
      return instance;
    },
    async stopAll() {
      await Promise.all(running.splice(0).map((i) => i.close()));
    },
  };
}

/** A port nothing listens on (bound, then released). */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
