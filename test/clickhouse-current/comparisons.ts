import { sql } from '@tokenwarden/clickhouse';
import { bindQuery } from '../analyst/analyst-fixture';
import { queryValues, savedQueries } from '../analyst/saved-queries';

/** A SELECT run on both engines; `ordered`: its ORDER BY is part of the answer. */
export interface Comparison {
  readonly name: string;
  readonly select: (database: string) => string;
  readonly ordered: boolean;
}

const t = (database: string, name: string) => `${sql.identifier(database)}.${sql.identifier(name)}`;
const everything = (name: string): Comparison => ({ name, select: (db) => `SELECT * FROM ${t(db, name)}`, ordered: false });

/** Every analyst view of schemas/clickhouse, whole: the deduplicating views, the materialized views' readers, the evidence views. */
export const VIEWS: readonly Comparison[] = [
  'token_events_v', 'key_events_v', 'alerts_v', 'policy_limits_current',
  'token_lifecycle', 'subject_reissues_5m', 'client_reissues_5m',
  'key_rotation_history', 'tokens_beyond_policy', 'revocations_by_reason', 'validation_failures_by_reason',
  'subject_erasures', 'issuance_denials',
].map(everything);

/**
 * The materialized views' state tables read directly, merged per partition
 * (a month), so each partition's content is compared and not only the view
 * over all of them. Arrays are sorted: groupUniqArray keeps no order. Times
 * are compared as epoch seconds: a state that saw no matching event holds
 * DateTime 0, which 18.16 prints as 0000-00-00 00:00:00 and current releases
 * as 1970-01-01 00:00:00 (the views return NULL there instead).
 */
export const STATE_TABLES: readonly Comparison[] = [
  {
    name: 'token_lifecycle_state',
    select: (db) => 'SELECT tenant_id, iss, jti, month, toUnixTimestamp(minIfMerge(issued_at)) AS issued_at, toUnixTimestamp(maxIfMerge(expires_at)) AS expires_at, ' +
      'anyIfMerge(token_kind) AS token_kind, anyIfMerge(subject_ref) AS subject_ref, anyIfMerge(family_id) AS family_id, ' +
      'maxIfMerge(lifetime_seconds) AS lifetime_seconds, uniqExactIfMerge(issuances) AS issuances, ' +
      'uniqExactIfMerge(validations) AS validations, uniqExactIfMerge(valid_validations) AS valid_validations, ' +
      'uniqExactIfMerge(failures) AS failures, arraySort(groupUniqArrayIfMerge(failure_events)) AS failure_events, ' +
      'arraySort(groupUniqArrayIfMerge(validation_ips)) AS validation_ips, toUnixTimestamp(minIfMerge(revoked_at)) AS revoked_at, ' +
      `argMinIfMerge(revoke_reason) AS revoke_reason, uniqExactIfMerge(revocations) AS revocations FROM ${t(db, 'token_lifecycle_state')} ` +
      'GROUP BY tenant_id, iss, jti, month',
    ordered: false,
  },
  {
    name: 'subject_reissues_5m_state',
    select: (db) => 'SELECT tenant_id, subject_ref, bucket_start, toYYYYMM(bucket_start) AS month, uniqExactMerge(tokens_issued) AS tokens_issued, ' +
      `uniqExactIfMerge(rotations) AS rotations, uniqExactMerge(clients) AS clients FROM ${t(db, 'subject_reissues_5m_state')} ` +
      'GROUP BY tenant_id, subject_ref, bucket_start',
    ordered: false,
  },
  {
    name: 'client_reissues_5m_state',
    select: (db) => 'SELECT tenant_id, client_id, bucket_start, toYYYYMM(bucket_start) AS month, uniqExactMerge(tokens_issued) AS tokens_issued, ' +
      `uniqExactIfMerge(rotations) AS rotations, uniqExactIfMerge(subjects) AS subjects FROM ${t(db, 'client_reissues_5m_state')} ` +
      'GROUP BY tenant_id, client_id, bucket_start',
    ordered: false,
  },
];

/** The saved investigation queries of docs/queries, bound to the values their 18.16 test uses. */
export const SAVED_QUERIES: readonly Comparison[] = savedQueries().map(({ file, text }) => ({
  name: file,
  select: (db) => bindQuery(text, db, queryValues[file]),
  ordered: true,
}));

/**
 * Rows in a comparable order: as returned when the query orders them,
 * otherwise sorted by their JSON with keys sorted, since an engine may
 * return an unordered result in any order.
 */
export function comparable(rows: readonly Record<string, unknown>[], ordered: boolean): Record<string, unknown>[] {
  if (ordered) return [...rows];
  const key = (row: Record<string, unknown>) => JSON.stringify(Object.keys(row).sort().map((k) => [k, row[k]]));
  return [...rows].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
