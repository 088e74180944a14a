import { ClickHouseStore, migrate, sql, SqlValue } from '@tokenwarden/clickhouse';
import { setupDatabase } from '../clickhouse/clickhouse-env';

/** A store plus a database migrated to the repository's schema. */
export async function setupAnalystDatabase(prefix: string): Promise<{
  store: ClickHouseStore;
  database: string;
  drop: () => Promise<void>;
}> {
  const env = await setupDatabase(prefix);
  await migrate(env.store, { database: env.database });
  return env;
}

/** Epoch seconds of `iso` (UTC). */
export const seconds = (iso: string): number => Date.parse(`${iso}Z`) / 1000;

/** 'YYYY-MM-DD hh:mm:ss', as ClickHouse prints a DateTime('UTC'). */
export const printed = (epochSeconds: number): string => new Date(epochSeconds * 1000).toISOString().slice(0, 19).replace('T', ' ');

/** A lowercase RFC 4122-shaped id, distinct per n. */
export const uuid = (n: number): string => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

// A type alias, not an interface: it must be assignable to ClickHouseRow.
export type TokenEventRow = {
  event_id: string;
  event_type: string;
  event_time: number;
  tenant_id: string;
  trace_id: string;
  session_id: string | null;
  subject_ref: string;
  client_id: string;
  ip: string | null;
  producer_service: string;
  producer_instance: string;
  producer_version: string;
  jti: string;
  iss: string;
  token_kind: string;
  outcome: string;
  reason: string;
  alg: string;
  kid: string;
  aud: string[];
  scope: string[];
  issued_at: number | null;
  expires_at: number | null;
  family_id: string;
  parent_jti: string;
  lifetime_seconds: number | null;
  detail: string;
  ingested_at: number;
};

/** Every column filled (18.16 ignores DEFAULT for JSONEachRow), as the projector writes them. */
export function tokenEvent(p: Partial<TokenEventRow> & Pick<TokenEventRow, 'event_id' | 'event_type' | 'event_time'>): TokenEventRow {
  return {
    tenant_id: 'acme', trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', session_id: null, subject_ref: '', client_id: '',
    ip: null, producer_service: 'token-service', producer_instance: 'token-service-1', producer_version: '0.1.0',
    jti: '', iss: '', token_kind: '', outcome: '', reason: '', alg: '', kid: '', aud: [], scope: [],
    issued_at: null, expires_at: null, family_id: '', parent_jti: '', lifetime_seconds: null, detail: '{}',
    ingested_at: p.event_time + 1,
    ...p,
  };
}

export interface KeyEventRow {
  event_id: string;
  event_time: number;
  tenant_id: string;
  kid: string;
  alg: string;
  phase: string;
  key_created_at: number;
  storage: string;
  jwk_thumbprint: string;
}

export const keyEvent = (k: KeyEventRow): Record<string, unknown> => ({
  trace_id: '', session_id: null, subject_ref: '', client_id: '', ip: null, producer_service: 'token-service',
  producer_instance: 'key-rotator', producer_version: '0.1.0', detail: '{}', ingested_at: k.event_time + 1, ...k,
});

export interface AlertRow {
  alert_id: string;
  event_id: string;
  event_time: number;
  rule_id: string;
  severity: string;
  title: string;
  group_key: string;
  subject_ref: string;
  client_id: string;
  window_start: number;
  window_end: number;
  threshold: number;
  count: number;
  first_seen: number;
  last_seen: number;
  evidence_event_ids: string[];
  mitre_techniques: string[];
  status: string;
}

export const alertRow = (a: AlertRow): Record<string, unknown> => ({
  tenant_id: 'acme', trace_id: '', session_id: null, ip: null, producer_service: 'detector', producer_instance: 'detector-1',
  producer_version: '0.1.0', rule_version: 1, detail: '{}', ingested_at: a.event_time + 1, ...a,
});

/**
 * Substitutes `{name}` placeholders of a saved query with escaped literals
 * from `values` (`{database}` with the quoted database name). A placeholder
 * without a value is an error, so a query cannot run half-bound.
 */
export function bindQuery(text: string, database: string, values: Record<string, SqlValue>): string {
  return text.replace(/\{([a-z_]+)\}/g, (_, name: string) => {
    if (name === 'database') return sql.identifier(database);
    if (!(name in values)) throw new Error(`no value for placeholder {${name}}`);
    return sql.value(values[name]);
  });
}
