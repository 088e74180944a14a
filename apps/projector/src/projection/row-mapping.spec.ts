import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EVENT_TYPE_NAMES, EventTypeName, EventValueMap, TokenwardenEvent } from '@tokenwarden/events';
import { sampleEvent } from '../../../../libs/events/fixtures/samples';
import { ProjectorTable, TABLE_COLUMNS, TABLE_OF_TYPE, TABLE_SCHEMAS, toRow } from './row-mapping';

const INGESTED_AT = Date.UTC(2024, 10, 29, 13, 20, 1, 999);

/** Columns of a table with their types, read from its migration: the row must send exactly these. */
function schemaOf(table: ProjectorTable): Array<[string, string]> {
  const file = { token_events: '001_token_events.sql', key_events: '002_key_events.sql', alerts: '003_alerts.sql' }[table];
  const text = readFileSync(join(__dirname, '../../../../schemas/clickhouse', file), 'utf8');
  const body = text.slice(text.indexOf('(\n') + 2, text.indexOf('\n)\nENGINE'));
  return body
    .split('\n')
    .map((line) => /^\s+([a-z_]+)\s+([A-Za-z0-9]+(?:\([^)]*\)+)?)/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [m[1], m[2]]);
}
const columnsOf = (table: ProjectorTable): string[] => schemaOf(table).map(([name]) => name);

function setup<K extends EventTypeName>(type: K, overrides: Partial<EventValueMap[K]> = {}) {
  const event = { type, value: sampleEvent(type, overrides) } as TokenwardenEvent;
  const { table, row } = toRow(event, INGESTED_AT);
  return { event, table, row, detail: JSON.parse(row.detail as string) as Record<string, unknown> };
}

describe('toRow', () => {
  it.each(EVENT_TYPE_NAMES)('sends exactly the columns of the table for %s', (type) => {
    const { table, row } = setup(type);
    expect(table).toBe(TABLE_OF_TYPE[type]);
    expect(Object.keys(row).sort()).toEqual(columnsOf(table).sort());
    expect(Object.values(row)).not.toContain(undefined);
    expect(row.ingested_at).toBe(Math.floor(INGESTED_AT / 1000));
  });

  it.each(['TokenIssued', 'TokenValidated', 'IssuanceDenied', 'KeyLifecycle'] as const)('keeps the keys of a %s row in column order (the encoder reads those fastest)', (type) => {
    const { table, row } = setup(type);
    expect(Object.keys(row)).toEqual(TABLE_COLUMNS[table]);
  });

  it.each(['token_events', 'key_events', 'alerts'] as const)('names the columns of %s with their types in the order of its migration', (table) => {
    expect(Object.entries(TABLE_SCHEMAS[table])).toEqual(schemaOf(table));
    expect(TABLE_COLUMNS[table]).toEqual(columnsOf(table));
  });

  it('maps a TokenIssued to token columns and keeps the rest in detail', () => {
    const { row, detail, event } = setup('TokenIssued');
    const v = event.value as EventValueMap['TokenIssued'];
    expect(row).toMatchObject({
      event_id: v.header.event_id,
      event_type: 'TokenIssued',
      event_time: Math.floor(v.header.event_time / 1000),
      tenant_id: 'default',
      producer_service: 'token-service',
      jti: v.jti,
      iss: v.iss,
      token_kind: 'ACCESS',
      aud: v.aud,
      scope: v.scope,
      issued_at: v.issued_at / 1000,
      expires_at: v.expires_at / 1000,
      lifetime_seconds: 900,
      family_id: v.family_id,
      parent_jti: v.parent_jti,
      outcome: '',
      reason: '',
    });
    expect(detail).toEqual({ token_fingerprint: v.token_fingerprint, grant_type: v.grant_type, consent_ref: v.consent_ref });
  });

  it('turns absent header strings into empty strings and keeps nullable ones null', () => {
    const base = sampleEvent('KeyLifecycle');
    const { row } = setup('KeyLifecycle', {
      header: { ...base.header, trace_id: null, subject_ref: null, client_id: null, session_id: null, ip: null },
    });
    expect(row).toMatchObject({ trace_id: '', subject_ref: '', client_id: '', session_id: null, ip: null });
  });

  it('puts fields of newer schema versions into detail (TokenValidated v2 resource_server)', () => {
    const { row, detail } = setup('TokenValidated', { resource_server: 'billing-api', jti: null });
    expect(row).toMatchObject({ jti: '', outcome: expect.any(String), reason: expect.any(String) });
    expect(detail).toMatchObject({ resource_server: 'billing-api', validator: expect.any(String) });
    expect(detail).not.toHaveProperty('jti');
  });

  it('keeps values their nullable column cannot hold exactly in detail', () => {
    const far = Date.UTC(2200, 0, 1);
    const { row, detail } = setup('TokenIssued', { expires_at: far, lifetime_seconds: 2 ** 40 });
    expect(row.expires_at).toBeNull();
    expect(row.lifetime_seconds).toBe(0xffffffff); // saturated: still "beyond policy"
    expect(detail).toMatchObject({ expires_at: far, lifetime_seconds: 2 ** 40 });
  });

  it('maps requested scope, audience and lifetime of an IssuanceDenied to the shared columns', () => {
    const { row, detail, event } = setup('IssuanceDenied', { requested_lifetime_seconds: 7200 });
    const v = event.value as EventValueMap['IssuanceDenied'];
    expect(row).toMatchObject({ reason: v.reason, scope: v.requested_scope, aud: v.requested_audience, lifetime_seconds: 7200 });
    expect(detail).toEqual({ detail: v.detail, requested_grant: v.requested_grant });
  });

  it('maps an Alert to one row per version, count being the version', () => {
    const { row, event } = setup('Alert', { count: 7, status: 'UPDATED' });
    const v = event.value as EventValueMap['Alert'];
    expect(row).toMatchObject({
      alert_id: v.alert_id,
      rule_id: v.rule_id,
      rule_version: v.rule_version,
      severity: v.severity,
      count: 7,
      status: 'UPDATED',
      window_start: v.window_start / 1000,
      evidence_event_ids: v.evidence_event_ids,
      mitre_techniques: v.mitre_techniques,
      detail: '{}',
    });
  });
});
