/**
 * The Tokenwarden stack as child processes: token service, projector, detector
 * and SIEM forwarder, each compiled from dist/ and started with its own
 * environment, free ports and log file. Used by the demo (scripts/demo/main.ts)
 * and, run directly, long-lived without a traffic generator (`npm start`):
 *
 *   TS_NODE_PROJECT=tsconfig.runtime.json node -r tsconfig-paths/register dist/scripts/demo/stack.js
 *
 * Long-lived mode uses the deliberate defaults of the services (no topic
 * prefix, database `tokenwarden`, default consumer groups, config/clients.json)
 * unless the environment says otherwise; secrets it needs and nobody gave
 * (KEK, subject pseudonym key, admin token) are generated once and kept under
 * .local/stack/secrets.json so a restart keeps subject_ref stable. SIEM output:
 * a private rsyslogd and a webhook receiver writing under .local/stack/siem/.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClickHouseStore, clickHouseOptionsFromConfig, migrate } from '@tokenwarden/clickhouse';
import { InfraConfig, loadInfraConfig } from '@tokenwarden/config';
import { bootstrapTopics, KafkaConnection, topicNames, topicSpecs } from '@tokenwarden/kafka';
import { freePort, get, onSignals, ROOT, spawnService, stopAll, until } from './processes';
import { SiemReceivers, startSiemReceivers } from './siem-receivers';

export interface StackOptions {
  /** Directory for logs and SIEM output. */
  readonly dir: string;
  /** Topic prefix, also the prefix of the consumer groups ('' = the services' defaults). */
  readonly prefix: string;
  readonly database: string;
  readonly clientsFile: string;
  readonly secrets: StackSecrets;
  /** Fixed token-service port (0 = a free one). */
  readonly httpPort?: number;
  readonly say: (line: string) => void;
}

export interface StackSecrets {
  readonly keyEncryptionKey: string;
  readonly subjectRefKey: string;
  readonly adminToken: string;
  readonly webhookSecret: string;
}

export interface Stack {
  readonly infra: InfraConfig;
  readonly issuer: string;
  readonly tokenServiceUrl: string;
  readonly projectorUrl: string;
  readonly detectorUrl: string;
  readonly siemUrl: string;
  readonly siem: SiemReceivers;
  readonly names: ReturnType<typeof topicNames>;
  readonly logDir: string;
}

export function newSecrets(): StackSecrets {
  return {
    keyEncryptionKey: randomBytes(32).toString('hex'),
    subjectRefKey: randomBytes(32).toString('hex'),
    adminToken: randomBytes(32).toString('base64url'),
    webhookSecret: randomBytes(32).toString('base64url'),
  };
}

/** Topics and tables (as the services would create them), then the four services; resolves when all are healthy. */
export async function startStack(o: StackOptions): Promise<Stack> {
  const logDir = join(o.dir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const infra = loadInfraConfig({ ...process.env, TW_TOPIC_PREFIX: o.prefix, TW_CLICKHOUSE_DATABASE: o.database });
  const names = topicNames(infra.TW_TOPIC_PREFIX);

  const conn = new KafkaConnection({ brokers: infra.TW_KAFKA_BROKERS, clientId: 'tokenwarden-demo' });
  const topics = await bootstrapTopics(conn, topicSpecs(names, infra.TW_TOPIC_PARTITIONS));
  o.say(`kafka ${infra.TW_KAFKA_BROKERS.join(',')}: topics created [${topics.created.join(', ')}], already there ${topics.existing.length}`);
  const store = new ClickHouseStore(clickHouseOptionsFromConfig(infra));
  const migrations = await migrate(store, { database: infra.TW_CLICKHOUSE_DATABASE });
  await store.close();
  o.say(`clickhouse ${infra.TW_CLICKHOUSE_URL} database ${infra.TW_CLICKHOUSE_DATABASE}: migrations applied ${migrations.applied.length}, already applied ${migrations.alreadyApplied.length}`);

  const siem = await startSiemReceivers(join(o.dir, 'siem'), o.secrets.webhookSecret);
  o.say(`SIEM receivers: rsyslogd (pid ${siem.rsyslogPid}) on 127.0.0.1:${siem.syslogPort} → ${siem.syslogFile}; OCSF webhook on 127.0.0.1:${siem.webhookPort} → ${siem.webhookFile}`);

  const [httpPort, projectorPort, detectorPort, siemPort] = [o.httpPort || (await freePort()), await freePort(), await freePort(), await freePort()];
  const issuer = `http://127.0.0.1:${httpPort}`;
  const shared: Record<string, string> = {
    TW_KAFKA_BROKERS: infra.TW_KAFKA_BROKERS.join(','),
    TW_TOPIC_PREFIX: infra.TW_TOPIC_PREFIX,
    TW_TOPIC_PARTITIONS: String(infra.TW_TOPIC_PARTITIONS),
    TW_CLICKHOUSE_URL: infra.TW_CLICKHOUSE_URL,
    TW_CLICKHOUSE_DATABASE: infra.TW_CLICKHOUSE_DATABASE,
  };
  const group = (name: string) => (o.prefix === '' ? {} : { [name]: `${o.prefix}${name.replace(/^TW_|_GROUP$/g, '').toLowerCase()}` });

  const services = [
    spawnService('token-service', {
      ...shared,
      TW_HTTP_PORT: String(httpPort), TW_HTTP_HOST: '127.0.0.1', TW_ISSUER: issuer, TW_INSTANCE_ID: 'demo-token-service-1',
      TW_CLIENTS_FILE: o.clientsFile, TW_KEY_ENCRYPTION_KEY: o.secrets.keyEncryptionKey, TW_SUBJECT_REF_KEY: o.secrets.subjectRefKey,
      TW_ADMIN_TOKEN: o.secrets.adminToken, TW_BOOTSTRAP_TOPICS: 'true',
    }, join(logDir, 'token-service.log')),
    spawnService('projector', {
      ...shared, ...group('TW_PROJECTOR_GROUP'), TW_PROJECTOR_METRICS_PORT: String(projectorPort), TW_PROJECTOR_MAX_WAIT_MS: '250',
    }, join(logDir, 'projector.log')),
    spawnService('detector', {
      ...shared, ...group('TW_DETECTOR_GROUP'), TW_DETECTOR_METRICS_PORT: String(detectorPort), TW_DETECTOR_INSTANCE: 'demo-detector-1',
    }, join(logDir, 'detector.log')),
    spawnService('siem-forwarder', {
      ...shared, ...group('TW_SIEM_GROUP'), TW_SIEM_METRICS_PORT: String(siemPort), TW_SIEM_WEBHOOK_SECRET: o.secrets.webhookSecret,
      TW_SIEM_HOSTNAME: 'tokenwarden-demo',
      TW_SIEM_SINKS: JSON.stringify({
        retry: { baseMs: 200, maxMs: 5000, maxAttempts: 0, maxElapsedSeconds: 600, maxRetryAfterSeconds: 60 },
        sinks: [
          { type: 'syslog', name: 'demo-rsyslog', host: '127.0.0.1', port: siem.syslogPort, timeoutMs: 5000 },
          { type: 'webhook', name: 'demo-ocsf-webhook', url: `http://127.0.0.1:${siem.webhookPort}/ocsf`, secretEnv: 'TW_SIEM_WEBHOOK_SECRET', timeoutMs: 5000 },
        ],
      }),
    }, join(logDir, 'siem-forwarder.log')),
  ];
  o.say(`started ${services.map((s) => `${s.name} (pid ${s.proc.pid})`).join(', ')}; logs in ${logDir}`);

  const stack: Stack = {
    infra, issuer, names, logDir, siem,
    tokenServiceUrl: issuer,
    projectorUrl: `http://127.0.0.1:${projectorPort}`,
    detectorUrl: `http://127.0.0.1:${detectorPort}`,
    siemUrl: `http://127.0.0.1:${siemPort}`,
  };
  const ok = (url: string) => async () => (await get(url)).status === 200;
  const t0 = Date.now();
  await until(ok(`${stack.tokenServiceUrl}/ready`), 60000, 'the token service to be ready');
  await until(ok(`${stack.projectorUrl}/health`), 60000, 'the projector to be healthy');
  await until(ok(`${stack.detectorUrl}/health`), 60000, 'the detector to be healthy');
  await until(ok(`${stack.siemUrl}/health`), 60000, 'the SIEM forwarder to be healthy');
  o.say(`all four services healthy after ${((Date.now() - t0) / 1000).toFixed(1)} s: token service ${stack.tokenServiceUrl} (OpenAPI ${stack.tokenServiceUrl}/docs), ` +
    `metrics: projector ${stack.projectorUrl}/metrics, detector ${stack.detectorUrl}/metrics, siem-forwarder ${stack.siemUrl}/metrics`);
  return stack;
}

/** Stops the services, then the SIEM receivers. */
export async function stopStack(siem: SiemReceivers | undefined): Promise<void> {
  await stopAll();
  await siem?.close();
}

/** Long-lived mode (`npm start`): the stack without a generator, until Ctrl-C. */
async function serve(): Promise<void> {
  const dir = join(ROOT, '.local', 'stack');
  mkdirSync(dir, { recursive: true });
  const secretsFile = join(dir, 'secrets.json');
  if (!existsSync(secretsFile)) writeFileSync(secretsFile, JSON.stringify(newSecrets(), null, 2), { mode: 0o600 });
  const stored = JSON.parse(readFileSync(secretsFile, 'utf8')) as StackSecrets;
  const env = process.env;
  const secrets: StackSecrets = {
    keyEncryptionKey: env.TW_KEY_ENCRYPTION_KEY ?? stored.keyEncryptionKey,
    subjectRefKey: env.TW_SUBJECT_REF_KEY ?? stored.subjectRefKey,
    adminToken: env.TW_ADMIN_TOKEN ?? stored.adminToken,
    webhookSecret: env.TW_SIEM_WEBHOOK_SECRET ?? stored.webhookSecret,
  };
  const held: { siem?: SiemReceivers } = {};
  onSignals(() => stopStack(held.siem));
  const say = (s: string) => process.stdout.write(`${s}\n`);
  const stack = await startStack({
    dir, say, secrets,
    prefix: env.TW_TOPIC_PREFIX ?? '',
    database: env.TW_CLICKHOUSE_DATABASE ?? 'tokenwarden',
    clientsFile: env.TW_CLIENTS_FILE ?? join(ROOT, 'config/clients.json'),
    httpPort: Number(env.TW_HTTP_PORT ?? 8080),
  });
  held.siem = stack.siem;
  say(`\nstack up (secrets in ${secretsFile}); Ctrl-C stops every process it started.`);
  await new Promise<never>(() => undefined);
}

if (require.main === module) {
  serve().catch(async (err: unknown) => {
    console.error(`stack failed: ${err instanceof Error ? err.message : String(err)}`);
    await stopAll();
    process.exit(1);
  });
}
