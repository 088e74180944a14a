// Helpers for integration and end-to-end tests (`@tokenwarden/testing`).
// The servers themselves come from global-setup.ts; these helpers only read
// what it published and help tests stay independent of each other.
import { randomBytes } from 'node:crypto';

export interface TestEnv {
  /** Kafka bootstrap servers, e.g. `['127.0.0.1:19092']`. */
  readonly kafkaBrokers: string[];
  /** ClickHouse HTTP endpoint, e.g. `http://127.0.0.1:18123`. */
  readonly clickhouseUrl: string;
  /** Read-only analyst credentials (users.xml / users.d). */
  readonly analyst: { readonly username: string; readonly password: string };
}

/** Where the real Kafka and ClickHouse for this test run are (set by global-setup.ts). */
export function testEnv(): TestEnv {
  const brokers = process.env.TW_KAFKA_BROKERS;
  const clickhouseUrl = process.env.TW_CLICKHOUSE_URL;
  if (!brokers || !clickhouseUrl) {
    throw new Error(
      'TW_KAFKA_BROKERS / TW_CLICKHOUSE_URL are not set: run integration tests through jest ' +
        '(the "integration" project has test/support/global-setup.ts) or export them yourself',
    );
  }
  return Object.freeze({
    kafkaBrokers: brokers.split(',').map((b) => b.trim()).filter((b) => b.length > 0),
    clickhouseUrl,
    analyst: Object.freeze({ username: 'soc_analyst', password: process.env.TW_ANALYST_PASSWORD ?? 'analyst' }),
  });
}

/**
 * A name no other test (or earlier run) uses, valid both as a Kafka topic or
 * group id and as an unquoted ClickHouse identifier: `[a-z0-9_]`, starting
 * with a letter, at most 100 characters.
 */
export function uniqueName(prefix: string): string {
  let head = prefix.toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
  if (!/^[a-z]/.test(head)) head = `t_${head}`;
  const tail = `${Date.now().toString(36)}_${randomBytes(5).toString('hex')}`;
  return `${head.slice(0, 100 - tail.length - 1)}_${tail}`;
}

export interface WaitForOptions {
  /** Named in the timeout error, e.g. "3 rows in token_events". */
  readonly what?: string;
  readonly intervalMs?: number;
}

/**
 * Polls `predicate` until it returns a truthy value (which is returned) or
 * `timeoutMs` passes. A throwing predicate counts as "not yet"; its last error
 * is the `cause` of the timeout error.
 */
export async function waitFor<T>(
  predicate: () => T | Promise<T>,
  timeoutMs: number,
  intervalOrOptions: number | WaitForOptions = {},
): Promise<NonNullable<T>> {
  const options = typeof intervalOrOptions === 'number' ? { intervalMs: intervalOrOptions } : intervalOrOptions;
  const intervalMs = options.intervalMs ?? 100;
  const what = options.what ?? (predicate.name || predicate.toString().replace(/\s+/g, ' ').slice(0, 120));
  const started = Date.now();
  let attempts = 0;
  let lastError: unknown;
  let lastValue: unknown;
  for (;;) {
    attempts += 1;
    try {
      const value = await predicate();
      if (value) return value as NonNullable<T>;
      lastValue = value;
      lastError = undefined;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() - started >= timeoutMs) break;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  const last = lastError === undefined ? `last value: ${String(lastValue)}` : `last error: ${String(lastError)}`;
  throw new Error(`waitFor timed out after ${timeoutMs} ms (${attempts} attempts) waiting for ${what}; ${last}`, {
    cause: lastError,
  });
}
