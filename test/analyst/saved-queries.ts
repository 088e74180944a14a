import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SqlValue } from '@tokenwarden/clickhouse';
import { printed } from './analyst-fixture';
import { ALICE, BOB, CAROL, DAVE, ISS, T0 } from './dataset';

const QUERY_DIR = join(__dirname, '..', '..', 'docs', 'queries');
/** The saved investigation queries of docs/queries, by file name. */
export const savedQueries = (): { file: string; text: string }[] =>
  readdirSync(QUERY_DIR).filter((f) => f.endsWith('.sql')).sort()
    .map((file) => ({ file, text: readFileSync(join(QUERY_DIR, file), 'utf8') }));

const at = (offset: number) => printed(T0 + offset);
const since = new Date(T0 * 1000);
const until = new Date((T0 + 3600) * 1000);
const base = { tenant_id: 'acme', since, until };

/** Values for every placeholder of every saved query, as an investigation of the morning would set them. */
export const queryValues: Record<string, Record<string, SqlValue>> = {
  '01_subject_token_timeline.sql': { ...base, subject_ref: BOB },
  '02_top_reissuers_last_hour.sql': base,
  '03_client_reissue_bursts.sql': { ...base, min_tokens: 3 },
  '04_tokens_used_after_revocation.sql': base,
  '05_validation_failures_by_client.sql': base,
  '06_keys_older_than_policy.sql': { tenant_id: 'acme', as_of: since },
  '07_refresh_reuse_incidents.sql': base,
  '08_tokens_from_many_ips.sql': { ...base, min_ips: 3 },
  '09_erasure_log.sql': base,
  '10_denied_issuances_by_reason.sql': base,
  '11_alerts_by_rule.sql': base,
  '12_tokens_beyond_policy.sql': base,
  '13_token_lifecycle.sql': { tenant_id: 'acme', iss: ISS, jti: 'b-access-1' },
  '14_revocations_by_reason.sql': { ...base, until: new Date((T0 + 86_400) * 1000) },
  '15_failure_bursts_by_ip.sql': { ...base, min_failures: 3 },
};

/** What each saved query returns for the morning in dataset.ts, exactly. */
export const expectedRows: Record<string, unknown[]> = {
  '01_subject_token_timeline.sql': [
    [300, 'TokenIssued', 'b-access-1', ''], [310, 'TokenIssued', 'b-access-2', ''], [320, 'TokenValidated', 'b-access-2', 'OK'],
    [330, 'TokenValidated', 'b-access-2', 'OK'], [340, 'TokenValidated', 'b-access-2', 'OK'], [350, 'TokenValidated', 'b-access-2', 'OK'],
    [510, 'IssuanceDenied', '', 'SCOPE_NOT_ALLOWED'], [600, 'TokenRevoked', 'b-access-1', 'LOGOUT'],
    [700, 'TokenValidated', 'b-access-1', 'OK'], [800, 'TokenValidated', 'b-access-1', 'REVOKED'],
  ].map(([t, event_type, jti, reason]) => expect.objectContaining({ event_time: at(t as number), event_type, jti, reason })),
  '02_top_reissuers_last_hour.sql': [
    { subject_ref: DAVE, issued_last_hour: '8', rotations_last_hour: '0', peak_5m: '6' },
    { subject_ref: ALICE, issued_last_hour: '4', rotations_last_hour: '2', peak_5m: '2' },
    { subject_ref: CAROL, issued_last_hour: '4', rotations_last_hour: '2', peak_5m: '3' },
    { subject_ref: BOB, issued_last_hour: '2', rotations_last_hour: '0', peak_5m: '2' },
  ],
  '03_client_reissue_bursts.sql': [
    { client_id: 'batch', bucket_start: at(1800), tokens_issued: '6', rotations: '0', subjects: '1' },
    { client_id: 'mobile', bucket_start: at(0), tokens_issued: '3', rotations: '2', subjects: '1' },
  ],
  '04_tokens_used_after_revocation.sql': [{
    iss: ISS, jti: 'b-access-1', subject_ref: BOB, client_id: 'mobile', revoked_at: at(600), revoke_reason: 'LOGOUT',
    presentations_after_revocation: '2', accepted_after_revocation: '1', first_presented_after: at(700),
    last_presented_after: at(800), ips: ['198.51.100.20', '198.51.100.7'],
  }],
  '05_validation_failures_by_client.sql': [
    ['', 'MALFORMED', 3, 0, 1200, 1220], ['mobile', 'REVOKED', 1, 1, 800, 800], ['web', 'EXPIRED', 1, 1, 1000, 1000],
    ['web', 'INTERNAL_ERROR', 1, 1, 1400, 1400], ['web', 'SIGNATURE_INVALID', 1, 1, 1300, 1300],
  ].map(([client_id, reason, n, tokens, first, last]) => ({
    client_id, reason, failed_checks: String(n), tokens: String(tokens), ips: '1',
    first_failure: at(first as number), last_failure: at(last as number),
  })),
  '06_keys_older_than_policy.sql': [{
    kid: 'k-2025-01', alg: 'ES256', storage: 'HSM', current_phase: 'ACTIVATED', key_created_at: '2025-01-05 00:00:00',
    activated_at: '2025-01-06 00:00:00', age_days: '156', max_age_days: '90',
  }],
  '07_refresh_reuse_incidents.sql': [{
    family_id: 'fam-c', detected_at: at(400), subject: CAROL, client: 'mobile', reused_jtis: ['c-refresh-1'], tokens_revoked: '2',
  }],
  '08_tokens_from_many_ips.sql': [{
    iss: ISS, jti: 'b-access-2', subject_ref: BOB, client_id: 'mobile', token_kind: 'ACCESS', validation_ip_count: '4',
    validation_ips: ['192.0.2.8', '192.0.2.9', '198.51.100.20', '198.51.100.21'], validations: '4',
    first_validated_at: at(320), last_validated_at: at(350),
  }],
  '09_erasure_log.sql': [{
    erased_at: at(3000), subject_ref: CAROL, requested_by: 'admin:op-7f3a', request_ref: 'GDPR-2025-0042', tokens_revoked: '1',
    families_revoked: '1', revocations_recorded: '1', issued_after_erasure: 1,
  }],
  '10_denied_issuances_by_reason.sql': [
    { reason: 'SCOPE_NOT_ALLOWED', client_id: 'web', denials: '2', subjects: '2', first_denial: at(500), last_denial: at(510) },
    { reason: 'RATE_LIMITED', client_id: 'batch', denials: '1', subjects: '1', first_denial: at(2200), last_denial: at(2200) },
    { reason: 'REFRESH_REUSED', client_id: 'mobile', denials: '1', subjects: '1', first_denial: at(400), last_denial: at(400) },
  ],
  '11_alerts_by_rule.sql': [
    { rule_id: 'excessive-reissue-subject', severity: 'MEDIUM', alerts: '1', matching_events: '6', latest_match: at(1906), group_keys: [DAVE] },
    { rule_id: 'refresh-reuse', severity: 'CRITICAL', alerts: '1', matching_events: '1', latest_match: at(401), group_keys: ['fam-c'] },
    { rule_id: 'revoked-token-use', severity: 'HIGH', alerts: '1', matching_events: '1', latest_match: at(701), group_keys: ['b-access-1'] },
  ],
  '12_tokens_beyond_policy.sql': [{
    event_time: at(300), token_kind: 'ACCESS', client_id: 'mobile', subject_ref: BOB, jti: 'b-access-1', lifetime_seconds: 3600,
    policy_limit_seconds: '1800',
  }],
  '13_token_lifecycle.sql': [{
    issued: 1, issued_at: at(300), expires_at: at(3900), token_kind: 'ACCESS', subject_ref: BOB, client_id: 'mobile', kid: 'k-2025-01',
    lifetime_seconds: 3600, validations: '2', valid_validations: '1', first_validated_at: at(700), last_validated_at: at(800),
    last_valid_at: at(700), failures: '1', failures_by_reason: [['REVOKED', '1']], validation_ips: ['198.51.100.20', '198.51.100.7'],
    revoked: 1, revoked_at: at(600), revoke_reason: 'LOGOUT', valid_after_revocation: 1,
  }],
  '14_revocations_by_reason.sql': [
    { reason: 'LOGOUT', cascade: 0, revocations_in_period: '1', tokens_in_period: '1' },
    { reason: 'REFRESH_REUSE', cascade: 0, revocations_in_period: '1', tokens_in_period: '1' },
    { reason: 'REFRESH_REUSE', cascade: 1, revocations_in_period: '1', tokens_in_period: '1' },
    { reason: 'SUBJECT_ERASED', cascade: 1, revocations_in_period: '1', tokens_in_period: '1' },
  ],
  '15_failure_bursts_by_ip.sql': [{
    source_ip: '192.0.2.66', failed_checks: '4', reasons: ['MALFORMED', 'SIGNATURE_INVALID'], clients: ['', 'web'],
    first_failure: at(1200), last_failure: at(1300),
  }],
};
