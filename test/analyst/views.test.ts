import { ClickHouseStore, sql } from '@tokenwarden/clickhouse';
import { recordPolicyLimits } from '../../libs/clickhouse/src/retention-policy-limits';
import { printed, setupAnalystDatabase, uuid } from './analyst-fixture';
import {
  ALICE, BOB, CAROL, DAVE, ISS, keyEvents, loadDataset, redelivered, T0, tokenEvents,
} from './dataset';

const at = (offset: number) => printed(T0 + offset);

describe('analyst views over real ClickHouse, redeliveries included', () => {
  let store: ClickHouseStore;
  let database: string;
  let drop: () => Promise<void>;
  const t = (name: string) => `${sql.identifier(database)}.${sql.identifier(name)}`;
  const rows = (select: string) => store.query(select);

  beforeAll(async () => {
    ({ store, database, drop } = await setupAnalystDatabase('analyst_views'));
    // Merges stay off so the redelivered copies are really there when the views are read.
    for (const table of ['token_events', 'key_events', 'alerts']) await store.command(`SYSTEM STOP MERGES ${t(table)}`);
    await loadDataset(store, database);
  });
  afterAll(async () => drop());

  it('the dataset really holds duplicates: raw count() exceeds the distinct events', async () => {
    expect(new Set(tokenEvents.map((e) => e.event_id)).size).toBe(tokenEvents.length);
    expect(await rows(`SELECT toString(count()) AS n, toString(uniqExact(event_id)) AS u FROM ${t('token_events')}`)).toEqual([
      { n: String(tokenEvents.length + redelivered.length), u: String(tokenEvents.length) },
    ]);
  });

  it('token_events_v, key_events_v and alerts_v: count() equals uniqExact without FINAL', async () => {
    const counts = async (view: string, id: string) =>
      rows(`SELECT toString(count()) AS n, toString(uniqExact(${id})) AS u FROM ${t(view)}`);
    expect(await counts('token_events_v', 'event_id')).toEqual([{ n: String(tokenEvents.length), u: String(tokenEvents.length) }]);
    expect(await counts('key_events_v', 'event_id')).toEqual([{ n: String(keyEvents.length), u: String(keyEvents.length) }]);
    expect(await counts('alerts_v', 'alert_id')).toEqual([{ n: '3', u: '3' }]);
    expect(await rows(`SELECT alert_id, count, status FROM ${t('alerts_v')} ORDER BY alert_id`)).toEqual([
      { alert_id: 'al-reissue-dave', count: '6', status: 'UPDATED' }, // the later OPEN redelivery did not win
      { alert_id: 'al-reuse-fam-c', count: '1', status: 'OPEN' },
      { alert_id: 'al-revoked-b1', count: '1', status: 'OPEN' },
    ]);
  });

  it('token_lifecycle: one row per (tenant, iss, jti), redelivered validations counted once', async () => {
    const lifecycle = (jti: string) => rows(`SELECT * FROM ${t('token_lifecycle')} WHERE jti = ${sql.string(jti)}`);
    expect(await rows(`SELECT toString(count()) AS n FROM ${t('token_lifecycle')}`)).toEqual([{ n: '20' }]);
    expect(await lifecycle('a-access-1')).toEqual([{
      tenant_id: 'acme', iss: ISS, jti: 'a-access-1', issued: 1, issued_at: at(0), expires_at: at(900), token_kind: 'ACCESS',
      subject_ref: ALICE, client_id: 'web', kid: 'k-2025-01', alg: 'ES256', family_id: '', parent_jti: '', lifetime_seconds: 900,
      validations: '4', first_validated_at: at(60), last_validated_at: at(1400), valid_validations: '2', last_valid_at: at(120),
      failures: '2', failures_by_reason: [['EXPIRED', '1'], ['INTERNAL_ERROR', '1']],
      validation_ips: ['203.0.113.10', '203.0.113.11'], validation_ip_count: '2',
      revoked: 0, revoked_at: null, revoke_reason: null, valid_after_revocation: 0,
    }]);
    expect(await lifecycle('b-access-1')).toEqual([expect.objectContaining({
      issued: 1, lifetime_seconds: 3600, validations: '2', valid_validations: '1', last_valid_at: at(700),
      failures_by_reason: [['REVOKED', '1']], validation_ips: ['198.51.100.20', '198.51.100.7'],
      revoked: 1, revoked_at: at(600), revoke_reason: 'LOGOUT', valid_after_revocation: 1,
    })]);
    expect(await lifecycle('forged-1')).toEqual([expect.objectContaining({
      issued: 0, issued_at: null, expires_at: null, subject_ref: '', lifetime_seconds: null, validations: '1',
      failures_by_reason: [['SIGNATURE_INVALID', '1']], validation_ips: ['192.0.2.66'], revoked: 0,
    })]);
    expect(await lifecycle('c-refresh-1')).toEqual([expect.objectContaining({
      issued: 1, token_kind: 'REFRESH', family_id: 'fam-c', lifetime_seconds: 1_209_600, validations: '0',
      first_validated_at: null, last_valid_at: null, failures_by_reason: [], revoked: 1, revoked_at: at(400),
      revoke_reason: 'REFRESH_REUSE', valid_after_revocation: 0,
    })]);
  });

  it('subject_reissues_5m and client_reissues_5m count each TokenIssued once per bucket', async () => {
    const bucket = (view: string, key: string) =>
      rows(`SELECT ${key} AS k, bucket_start, tokens_issued, rotations FROM ${t(view)} WHERE tenant_id = 'acme' ORDER BY k, bucket_start`);
    const b = (k: string, offset: number, issued: number, rotations: number) =>
      ({ k, bucket_start: at(offset), tokens_issued: String(issued), rotations: String(rotations) });
    expect(await bucket('subject_reissues_5m', 'subject_ref')).toEqual([
      b(ALICE, 0, 2, 0), b(ALICE, 900, 2, 2), b(BOB, 300, 2, 0), b(CAROL, 0, 3, 2), b(CAROL, 3300, 1, 0),
      b(DAVE, 1800, 6, 0), b(DAVE, 2100, 2, 0),
    ]);
    expect(await bucket('client_reissues_5m', 'client_id')).toEqual([
      b('batch', 1800, 6, 0), b('batch', 2100, 2, 0), b('mobile', 0, 3, 2), b('mobile', 300, 2, 0), b('mobile', 3300, 1, 0),
      b('web', 0, 2, 0), b('web', 900, 2, 2),
    ]);
    expect(await rows(`SELECT clients FROM ${t('subject_reissues_5m')} WHERE subject_ref = ${sql.string(DAVE)} AND bucket_start = '${at(1800)}'`))
      .toEqual([{ clients: '1' }]);
  });

  it('key_rotation_history: phase times, current phase, one key material per kid', async () => {
    expect(await rows(`SELECT * FROM ${t('key_rotation_history')} ORDER BY kid`)).toEqual([
      { tenant_id: 'acme', kid: 'k-2024-10', alg: 'ES256', storage: 'SOFTWARE', key_created_at: '2024-10-01 00:00:00',
        generated_at: '2024-10-01 00:00:00', published_at: '2024-10-01 00:05:00', activated_at: '2024-10-02 00:00:00',
        retired_at: '2025-01-07 00:00:00', revoked_at: null, current_phase: 'RETIRED', jwk_thumbprints: ['tp-k-2024-10'], phase_events: '4' },
      { tenant_id: 'acme', kid: 'k-2025-01', alg: 'ES256', storage: 'HSM', key_created_at: '2025-01-05 00:00:00',
        generated_at: '2025-01-05 00:00:00', published_at: '2025-01-05 00:05:00', activated_at: '2025-01-06 00:00:00',
        retired_at: null, revoked_at: null, current_phase: 'ACTIVATED', jwk_thumbprints: ['tp-k-2025-01'], phase_events: '3' },
      { tenant_id: 'acme', kid: 'k-2025-06', alg: 'ES256', storage: 'HSM', key_created_at: '2025-06-01 00:00:00',
        generated_at: '2025-06-01 00:00:00', published_at: '2025-06-01 00:05:00', activated_at: null,
        retired_at: null, revoked_at: null, current_phase: 'PUBLISHED', jwk_thumbprints: ['tp-k-2025-06'], phase_events: '2' },
    ]);
  });

  it('revocations_by_reason and validation_failures_by_reason count events once', async () => {
    expect(await rows(`SELECT day, reason, token_kind, cascade, revocations, tokens FROM ${t('revocations_by_reason')} ` +
      "WHERE tenant_id = 'acme' ORDER BY reason, cascade")).toEqual([
      { day: '2025-06-10', reason: 'LOGOUT', token_kind: 'ACCESS', cascade: 0, revocations: '1', tokens: '1' },
      { day: '2025-06-10', reason: 'REFRESH_REUSE', token_kind: 'REFRESH', cascade: 0, revocations: '1', tokens: '1' },
      { day: '2025-06-10', reason: 'REFRESH_REUSE', token_kind: 'REFRESH', cascade: 1, revocations: '1', tokens: '1' },
      { day: '2025-06-10', reason: 'SUBJECT_ERASED', token_kind: 'ACCESS', cascade: 1, revocations: '1', tokens: '1' },
    ]);
    const f = (client_id: string, outcome: string, reason: string, failures: number, tokens: number) =>
      ({ day: '2025-06-10', client_id, outcome, reason, failures: String(failures), tokens: String(tokens), ips: '1' });
    expect(await rows(`SELECT day, client_id, outcome, reason, failures, tokens, ips FROM ${t('validation_failures_by_reason')} ` +
      "WHERE tenant_id = 'acme' ORDER BY client_id, reason")).toEqual([
      f('', 'INVALID', 'MALFORMED', 3, 0), f('mobile', 'INVALID', 'REVOKED', 1, 1), f('web', 'INVALID', 'EXPIRED', 1, 1),
      f('web', 'ERROR', 'INTERNAL_ERROR', 1, 1), f('web', 'INVALID', 'SIGNATURE_INVALID', 1, 1),
    ]);
  });

  it('subject_erasures and issuance_denials list each event once, detail fields unpacked', async () => {
    expect(await rows(`SELECT * FROM ${t('subject_erasures')}`)).toEqual([{
      tenant_id: 'acme', event_time: at(3000), event_id: uuid(26), subject_ref: CAROL, tokens_revoked: '1', families_revoked: '1',
      requested_by: 'admin:op-7f3a', request_ref: 'GDPR-2025-0042', producer_service: 'token-service',
      trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
    }]);
    const denials = await rows(`SELECT event_id, reason, client_id, requested_grant, requested_scope, requested_lifetime_seconds, ` +
      `explanation FROM ${t('issuance_denials')} ORDER BY event_time, event_id`);
    expect(denials).toEqual([
      { event_id: uuid(23), reason: 'REFRESH_REUSED', client_id: 'mobile', requested_grant: 'REFRESH_TOKEN', requested_scope: [],
        requested_lifetime_seconds: null, explanation: 'refused: refresh_reused' },
      { event_id: uuid(40), reason: 'SCOPE_NOT_ALLOWED', client_id: 'web', requested_grant: 'AUTHORIZATION_CODE',
        requested_scope: ['admin:write'], requested_lifetime_seconds: null, explanation: 'refused: scope_not_allowed' },
      { event_id: uuid(41), reason: 'SCOPE_NOT_ALLOWED', client_id: 'web', requested_grant: 'AUTHORIZATION_CODE',
        requested_scope: ['admin:write', 'profile:read'], requested_lifetime_seconds: null, explanation: 'refused: scope_not_allowed' },
      { event_id: uuid(42), reason: 'RATE_LIMITED', client_id: 'batch', requested_grant: 'CLIENT_CREDENTIALS',
        requested_scope: ['orders:read'], requested_lifetime_seconds: 900, explanation: 'refused: rate_limited' },
    ]);
  });

  it('tokens_beyond_policy follows policy_limits: the 1800 s seed, then the policy file value', async () => {
    const beyond = () => rows(`SELECT jti, lifetime_seconds, policy_limit_seconds FROM ${t('tokens_beyond_policy')} ORDER BY jti`);
    expect(await beyond()).toEqual([{ jti: 'b-access-1', lifetime_seconds: 3600, policy_limit_seconds: '1800' }]);

    const limits = { access_token_lifetime_seconds: 900, refresh_token_lifetime_seconds: 1_209_600, key_rotation_days: 90, retention_days: 400 };
    const written = await recordPolicyLimits(store, { database, limits, source: 'policy 2025-06.1', now: () => (T0 + 7200) * 1000 });
    expect(written).toEqual(['access_token_lifetime_seconds']); // the others already equal the seed
    expect(await recordPolicyLimits(store, { database, limits, source: 'policy 2025-06.1' })).toEqual([]);
    expect(await rows(`SELECT value, source, updated_at FROM ${t('policy_limits_current')} WHERE name = 'access_token_lifetime_seconds'`))
      .toEqual([{ value: '900', source: 'policy 2025-06.1', updated_at: at(7200) }]);
    expect(await beyond()).toEqual([
      { jti: 'b-access-1', lifetime_seconds: 3600, policy_limit_seconds: '900' },
      { jti: 'b-access-2', lifetime_seconds: 1200, policy_limit_seconds: '900' },
    ]);
  });

  it('gives the same answers once merges have collapsed the duplicates', async () => {
    const snapshot = () => Promise.all([
      rows(`SELECT toString(count()) AS n FROM ${t('token_events_v')}`),
      rows(`SELECT jti, validations, failures FROM ${t('token_lifecycle')} ORDER BY tenant_id, jti`),
      rows(`SELECT subject_ref, bucket_start, tokens_issued FROM ${t('subject_reissues_5m')} ORDER BY tenant_id, subject_ref, bucket_start`),
      rows(`SELECT * FROM ${t('revocations_by_reason')} ORDER BY tenant_id, reason, cascade`),
    ]);
    const before = await snapshot();
    for (const table of ['token_events', 'key_events', 'alerts']) await store.command(`SYSTEM START MERGES ${t(table)}`);
    for (const table of ['token_events', 'token_lifecycle_state', 'subject_reissues_5m_state']) {
      await store.command(`OPTIMIZE TABLE ${t(table)} FINAL`);
    }
    expect(await rows(`SELECT toString(count()) AS n FROM ${t('token_events')}`)).toEqual([{ n: String(tokenEvents.length) }]);
    expect(await snapshot()).toEqual(before);
  });
});
