import { ClickHouseStore, sql } from '@tokenwarden/clickhouse';
import { EVENT_TYPE_NAMES, TokenwardenEvent } from '@tokenwarden/events';
import { toRow } from '../../apps/projector/src/projection/row-mapping';
import { sampleEvent } from '../../libs/events/fixtures/samples';
import { setupAnalystDatabase } from './analyst-fixture';

// The analyst views read type-specific fields from the projector's `detail`
// JSON and shared columns. This pins that contract: the committed sample of
// every event type goes through the projector's own row mapping, twice (a
// redelivery), and the views must show the sample's values, once.
describe('analyst views read what the projector writes', () => {
  let store: ClickHouseStore;
  let database: string;
  let drop: () => Promise<void>;
  const t = (name: string) => `${sql.identifier(database)}.${sql.identifier(name)}`;
  const one = async (select: string) => store.query(select);

  beforeAll(async () => {
    ({ store, database, drop } = await setupAnalystDatabase('analyst_contract'));
    const projected = EVENT_TYPE_NAMES.map((type) => toRow({ type, value: sampleEvent(type) } as TokenwardenEvent, Date.UTC(2024, 10, 29, 14)));
    for (const delivery of [1, 2]) {
      for (const table of ['token_events', 'key_events', 'alerts'] as const) {
        await store.insert(`${database}.${table}`, projected.filter((p) => p.table === table).map((p) => ({ ...p.row, ingested_at: delivery })));
      }
    }
  });
  afterAll(async () => drop());

  it('revocations: reason, kind and the cascade flag from detail', async () => {
    expect(await one(`SELECT reason, token_kind, cascade, revocations FROM ${t('revocations_by_reason')}`)).toEqual([
      { reason: 'REFRESH_REUSE', token_kind: 'REFRESH', cascade: 1, revocations: '1' },
    ]);
  });

  it('erasure log: every SubjectErased field', async () => {
    expect(await one(`SELECT tokens_revoked, families_revoked, requested_by, request_ref FROM ${t('subject_erasures')}`)).toEqual([
      { tokens_revoked: '12', families_revoked: '2', requested_by: 'admin:op-5f2c', request_ref: 'DSR-2024-0042' },
    ]);
  });

  it('denials: grant, requested scope, audience and lifetime, explanation', async () => {
    expect(await one(`SELECT reason, requested_grant, requested_scope, requested_audience, requested_lifetime_seconds, explanation ` +
      `FROM ${t('issuance_denials')}`)).toEqual([{
      reason: 'SCOPE_NOT_ALLOWED', requested_grant: 'AUTHORIZATION_CODE', requested_scope: ['admin:all', 'invoices:read'],
      requested_audience: ['https://api.example.com'], requested_lifetime_seconds: 86400,
      explanation: 'requested scope is not allowed for this client',
    }]);
  });

  it('lifecycle, reissue buckets, keys and alerts', async () => {
    const lifecycle = `SELECT jti, issued, token_kind, lifetime_seconds, validations, valid_validations, validation_ips, revoked, ` +
      `revoke_reason FROM ${t('token_lifecycle')} ORDER BY jti`;
    expect(await one(lifecycle)).toEqual([
      { jti: '01HZX3Q9ZZ', issued: 0, token_kind: '', lifetime_seconds: null, validations: '0', valid_validations: '0',
        validation_ips: [], revoked: 1, revoke_reason: 'REFRESH_REUSE' },
      { jti: '01HZX3R0A7K9', issued: 1, token_kind: 'ACCESS', lifetime_seconds: 900, validations: '1', valid_validations: '1',
        validation_ips: ['203.0.113.42'], revoked: 0, revoke_reason: null },
    ]);
    expect(await one(`SELECT tokens_issued, rotations FROM ${t('subject_reissues_5m')}`)).toEqual([{ tokens_issued: '1', rotations: '1' }]);
    expect(await one(`SELECT kid, current_phase, storage FROM ${t('key_rotation_history')}`)).toEqual([
      { kid: 'es256-2024-11', current_phase: 'ACTIVATED', storage: 'HSM' },
    ]);
    expect(await one(`SELECT rule_id, count, status FROM ${t('alerts_v')}`)).toEqual([{ rule_id: 'refresh-token-reuse', count: '2', status: 'OPEN' }]);
  });
});
