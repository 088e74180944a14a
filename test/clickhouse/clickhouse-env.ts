import { randomBytes } from 'node:crypto';
import { ClickHouseOptions, ClickHouseStore, clickHouseOptionsFromConfig, sql } from '@tokenwarden/clickhouse';
import { loadInfraConfig } from '@tokenwarden/config';

/** Connection options for the server globalSetup started (TW_CLICKHOUSE_URL). */
export function testClickHouseOptions(): ClickHouseOptions {
  return clickHouseOptionsFromConfig(loadInfraConfig(process.env));
}

/**
 * A name no other run uses, so test files run in parallel and again without
 * cleanup. Lower case and digits only: a valid identifier everywhere.
 */
export function uniqueName(prefix: string): string {
  return `tw_test_${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
}

/** A store plus a fresh database for one test file; `drop` is best-effort tidying. */
export async function setupDatabase(prefix: string): Promise<{ store: ClickHouseStore; database: string; drop: () => Promise<void> }> {
  const store = new ClickHouseStore(testClickHouseOptions());
  const database = uniqueName(prefix);
  await store.command(`CREATE DATABASE ${sql.identifier(database)}`);
  const drop = async () => {
    await store.command(`DROP DATABASE IF EXISTS ${sql.identifier(database)}`);
    await store.close();
  };
  return { store, database, drop };
}

/** Upper-case hex of a string's UTF-8 bytes, as ClickHouse's hex() prints it. */
export const utf8Hex = (s: string | Uint8Array): string => Buffer.from(s as string).toString('hex').toUpperCase();
