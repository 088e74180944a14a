// Jest globalSetup for the "integration" project: make sure a real Kafka and a
// real ClickHouse answer, and publish where they are through process.env
// (TW_KAFKA_BROKERS, TW_CLICKHOUSE_URL). Jest forks its test workers after
// globalSetup, so they inherit this environment.
//
// Where the servers come from, first match wins:
//   1. TW_KAFKA_BROKERS and TW_CLICKHOUSE_URL already set (CI, a compose stack).
//   2. A Docker engine answers: Testcontainers starts both (stopped by global-teardown.ts).
//   3. Otherwise: `infra/local/infra up` (a no-op when they already run; left running).
// TW_TEST_INFRA=docker|local forces 2 or 3.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { GenericContainer, getContainerRuntimeClient, Wait, type StartedTestContainer } from 'testcontainers';

const ROOT = join(__dirname, '..', '..');
const INFRA = join(ROOT, 'infra', 'local', 'infra');
const KAFKA_IMAGE = 'apache/kafka:3.9.1';
const CLICKHOUSE_IMAGE = 'clickhouse/clickhouse-server:25.8';
const KAFKA_CLUSTER_ID = 'dG9rZW53YXJkZW4tbG9jYQ'; // same as infra/local and the compose file
const DOCKER_PROBE_TIMEOUT_MS = 5_000;
const CONTAINER_START_TIMEOUT_MS = 180_000;

/** Containers this run started; global-teardown.ts stops exactly these. */
export const STARTED_CONTAINERS_KEY = '__tokenwardenStartedContainers';
type GlobalWithContainers = typeof globalThis & { [STARTED_CONTAINERS_KEY]?: StartedTestContainer[] };

type Source = 'env' | 'docker' | 'local';

export default async function globalSetup(): Promise<void> {
  const source = await chooseSource();
  if (source === 'docker') await startContainers();
  if (source === 'local') await startLocal();
  process.env.TW_TEST_INFRA_SOURCE = source;
  log(`using ${source}: TW_KAFKA_BROKERS=${process.env.TW_KAFKA_BROKERS} TW_CLICKHOUSE_URL=${process.env.TW_CLICKHOUSE_URL}`);
}

async function chooseSource(): Promise<Source> {
  const { TW_KAFKA_BROKERS: brokers, TW_CLICKHOUSE_URL: clickhouseUrl, TW_TEST_INFRA: forced } = process.env;
  if (brokers && clickhouseUrl) return 'env';
  if (brokers || clickhouseUrl) {
    throw new Error('set both TW_KAFKA_BROKERS and TW_CLICKHOUSE_URL, or neither (then the tests start their own servers)');
  }
  if (forced === 'docker' || forced === 'local') return forced;
  if (forced) throw new Error(`TW_TEST_INFRA must be "docker" or "local", got "${forced}"`);
  return (await dockerAnswers()) ? 'docker' : 'local';
}

async function dockerAnswers(): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), DOCKER_PROBE_TIMEOUT_MS);
  });
  const probe = getContainerRuntimeClient().then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([probe, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

// ------------------------------------------------------------ infra/local

async function startLocal(): Promise<void> {
  await run('bash', [INFRA, 'up'], 'inherit');
  const env = await run('bash', [INFRA, 'env'], 'pipe');
  for (const line of env.split('\n')) {
    const match = /^(TW_[A-Z_]+)=(.*)$/.exec(line.trim());
    if (match) process.env[match[1]] = match[2];
  }
}

function run(command: string, args: string[], stdout: 'inherit' | 'pipe'): Promise<string> {
  return new Promise((resolve, reject) => {
    // stderr is inherited so start-up progress and log tails reach the terminal.
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', stdout, 'inherit'] });
    let out = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${command} ${args.join(' ')} exited with ${code}`)),
    );
  });
}

// --------------------------------------------------------- Testcontainers

async function startContainers(): Promise<void> {
  const started: StartedTestContainer[] = [];
  (globalThis as GlobalWithContainers)[STARTED_CONTAINERS_KEY] = started;
  try {
    const [kafka, clickhouse] = await Promise.all([startKafka(started), startClickHouse(started)]);
    process.env.TW_KAFKA_BROKERS = kafka;
    process.env.TW_CLICKHOUSE_URL = clickhouse;
  } catch (err) {
    // Jest skips globalTeardown when globalSetup throws: stop what did start.
    await Promise.allSettled(started.splice(0).map((c) => c.stop()));
    throw err;
  }
}

// Kafka advertises the address clients must dial, which is only known once
// the host port is. We pick a free host port first and use the same number
// inside the container, so the advertised listener is right from the start.
async function startKafka(started: StartedTestContainer[]): Promise<string> {
  const port = await freePort();
  const host = (await getContainerRuntimeClient()).info.containerRuntime.host;
  const container = await new GenericContainer(KAFKA_IMAGE)
    .withExposedPorts({ container: port, host: port })
    .withEnvironment({
      CLUSTER_ID: KAFKA_CLUSTER_ID,
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:19093',
      KAFKA_LISTENERS: `PLAINTEXT://:${port},BROKER://:29092,CONTROLLER://:19093`,
      KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://${host}:${port},BROKER://localhost:29092`,
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'PLAINTEXT:PLAINTEXT,BROKER:PLAINTEXT,CONTROLLER:PLAINTEXT',
      KAFKA_INTER_BROKER_LISTENER_NAME: 'BROKER',
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
      KAFKA_NUM_PARTITIONS: '3',
      KAFKA_DEFAULT_REPLICATION_FACTOR: '1',
      KAFKA_MIN_INSYNC_REPLICAS: '1',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      KAFKA_HEAP_OPTS: '-Xms256m -Xmx1g',
    })
    .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
    .withStartupTimeout(CONTAINER_START_TIMEOUT_MS)
    .start();
  started.push(container);
  return `${host}:${port}`;
}

async function startClickHouse(started: StartedTestContainer[]): Promise<string> {
  const container = await new GenericContainer(CLICKHOUSE_IMAGE)
    .withExposedPorts(8123, 9000)
    .withEnvironment({
      CLICKHOUSE_SKIP_USER_SETUP: '1',
      TW_ANALYST_PASSWORD: process.env.TW_ANALYST_PASSWORD ?? 'analyst',
    })
    .withCopyFilesToContainer([
      {
        source: join(ROOT, 'infra', 'clickhouse', 'users.d', 'soc_analyst.xml'),
        target: '/etc/clickhouse-server/users.d/soc_analyst.xml',
      },
      {
        source: join(ROOT, 'infra', 'clickhouse', 'config.d', 'tokenwarden.xml'),
        target: '/etc/clickhouse-server/config.d/tokenwarden.xml',
      },
    ])
    .withUlimits({ nofile: { soft: 262144, hard: 262144 } })
    .withWaitStrategy(Wait.forHttp('/ping', 8123).forStatusCode(200))
    .withStartupTimeout(CONTAINER_START_TIMEOUT_MS)
    .start();
  started.push(container);
  return `http://${container.getHost()}:${container.getMappedPort(8123)}`;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no free port')),
      );
    });
  });
}

function log(message: string): void {
  process.stderr.write(`\n[global-setup] ${message}\n`);
}
