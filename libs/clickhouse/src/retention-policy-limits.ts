import { ClickHouseError } from './clickhouse-error';
import { ClickHouseStore } from './clickhouse-store';
import { sql } from './sql';

/** The policy values the analyst views compare against (`policy_limits`, migration 004). */
export interface PolicyLimits {
  access_token_lifetime_seconds: number;
  refresh_token_lifetime_seconds: number;
  key_rotation_days: number;
  retention_days: number;
}

export interface RecordPolicyLimitsOptions {
  database: string;
  limits: PolicyLimits;
  /** Who set the values, e.g. `policy 2025-06.1`; shown to analysts in `policy_limits_current.source`. */
  source: string;
  now?: () => number;
}

/**
 * Writes the limits that differ from what `policy_limits_current` holds, as
 * new rows (the newest `updated_at` wins), and returns the names written.
 * Unchanged values are not rewritten, so `updated_at` tells when a limit
 * last changed. Runs with each retention pass, which already reads the policy.
 */
export async function recordPolicyLimits(store: Pick<ClickHouseStore, 'query' | 'insert'>, options: RecordPolicyLimitsOptions): Promise<string[]> {
  const now = options.now ?? Date.now;
  const db = sql.identifier(options.database);
  for (const [name, value] of Object.entries(options.limits)) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new ClickHouseError('ERR_CLICKHOUSE_VALUE', `policy limit ${name} must be a non-negative integer, got ${value}`);
    }
  }
  const current = await store.query<{ name: string; value: string }>(
    `SELECT name, toString(value) AS value FROM ${db}.policy_limits_current`,
  );
  const known = new Map(current.map((r) => [r.name, Number(r.value)]));
  const updatedAt = Math.floor(now() / 1000);
  const rows = Object.entries(options.limits)
    .filter(([name, value]) => known.get(name) !== value)
    .map(([name, value]) => ({ name, value, source: options.source, updated_at: updatedAt }));
  await store.insert(`${options.database}.policy_limits`, rows);
  return rows.map((r) => r.name);
}
