// Jest globalTeardown for the "integration" project: stop the containers that
// global-setup.ts started, and nothing else. Servers from infra/local or from
// TW_KAFKA_BROKERS / TW_CLICKHOUSE_URL are left running for the next run.
import type { StartedTestContainer } from 'testcontainers';
import { STARTED_CONTAINERS_KEY } from './global-setup';

type GlobalWithContainers = typeof globalThis & { [STARTED_CONTAINERS_KEY]?: StartedTestContainer[] };

export default async function globalTeardown(): Promise<void> {
  const holder = globalThis as GlobalWithContainers;
  const started = holder[STARTED_CONTAINERS_KEY] ?? [];
  delete holder[STARTED_CONTAINERS_KEY];
  const results = await Promise.allSettled(started.map((container) => container.stop()));
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed.length > 0) {
    throw new AggregateError(failed.map((r) => r.reason), `could not stop ${failed.length} test container(s)`);
  }
}
