import { ClickHouseStore } from '@tokenwarden/clickhouse';
import { alertRow, keyEvent, seconds, tokenEvent, TokenEventRow, uuid } from './analyst-fixture';

// One morning of tenant acme, 2025-06-10 from 09:00 UTC, with the incidents
// the saved queries look for. Times are offsets in seconds from T0.
export const T0 = seconds('2025-06-10T09:00:00');
export const ISS = 'https://issuer.example.com';
export const ALICE = 'a1'.repeat(32);
export const BOB = 'b0'.repeat(32);
export const CAROL = 'c0'.repeat(32);
export const DAVE = 'd0'.repeat(32);

const at = (offset: number) => T0 + offset;
const ACCESS_S = 900;
const REFRESH_S = 1_209_600;

interface Issue { n: number; t: number; subject: string; client: string; jti: string; kind?: string; lifetime?: number;
  ip?: string; family?: string; parent?: string; tenant?: string }
const issued = (i: Issue): TokenEventRow => {
  const lifetime = i.lifetime ?? (i.kind === 'REFRESH' ? REFRESH_S : ACCESS_S);
  return tokenEvent({
    event_id: uuid(i.n), event_type: 'TokenIssued', event_time: at(i.t), tenant_id: i.tenant ?? 'acme',
    subject_ref: i.subject, client_id: i.client, ip: i.ip ?? '203.0.113.10', jti: i.jti, iss: ISS,
    token_kind: i.kind ?? 'ACCESS', alg: 'ES256', kid: 'k-2025-01', aud: ['https://api.example.com'], scope: ['orders:read'],
    issued_at: at(i.t), expires_at: at(i.t) + lifetime, family_id: i.family ?? '', parent_jti: i.parent ?? '',
    lifetime_seconds: lifetime,
    detail: JSON.stringify({ token_fingerprint: `fp-${i.jti}`, grant_type: i.parent ? 'REFRESH_TOKEN' : 'AUTHORIZATION_CODE', consent_ref: null }),
  });
};

interface Check { n: number; t: number; jti: string; outcome: string; reason: string; ip: string; client: string; subject?: string }
const validated = (c: Check): TokenEventRow =>
  tokenEvent({
    event_id: uuid(c.n), event_type: 'TokenValidated', event_time: at(c.t), subject_ref: c.subject ?? '',
    client_id: c.client, ip: c.ip, jti: c.jti, iss: c.jti === '' ? '' : ISS, outcome: c.outcome, reason: c.reason,
    alg: c.jti === '' ? '' : 'ES256', kid: c.jti === '' ? '' : 'k-2025-01',
    detail: JSON.stringify({ token_fingerprint: null, validator: 'orders-api', audience: 'https://api.example.com', resource_server: 'orders-api' }),
  });

interface Revoke { n: number; t: number; jti: string; kind: string; reason: string; cascade: boolean; subject: string;
  client: string; family?: string; by?: string }
const revoked = (r: Revoke): TokenEventRow =>
  tokenEvent({
    event_id: uuid(r.n), event_type: 'TokenRevoked', event_time: at(r.t), subject_ref: r.subject, client_id: r.client,
    jti: r.jti, iss: ISS, token_kind: r.kind, reason: r.reason, family_id: r.family ?? '', expires_at: at(r.t) + 600,
    detail: JSON.stringify({ cascade: r.cascade, revoked_by: r.by ?? 'system' }),
  });

interface Deny { n: number; t: number; reason: string; client: string; subject: string; grant: string; scope: string[];
  lifetime: number | null; ip?: string }
// As the projector maps it: requested scope, audience and lifetime into the shared columns.
const denied = (d: Deny): TokenEventRow =>
  tokenEvent({
    event_id: uuid(d.n), event_type: 'IssuanceDenied', event_time: at(d.t), subject_ref: d.subject, client_id: d.client,
    ip: d.ip ?? '203.0.113.10', reason: d.reason, scope: d.scope, aud: [], lifetime_seconds: d.lifetime,
    detail: JSON.stringify({ detail: `refused: ${d.reason.toLowerCase()}`, requested_grant: d.grant }),
  });

const erased = tokenEvent({
  event_id: uuid(26), event_type: 'SubjectErased', event_time: at(3000), subject_ref: CAROL, client_id: '',
  detail: JSON.stringify({ tokens_revoked: 1, families_revoked: 1, requested_by: 'admin:op-7f3a', request_ref: 'GDPR-2025-0042' }),
});

const dave = [1800, 1830, 1860, 1890, 1920, 1950, 2100, 2130].map((t, i) =>
  issued({ n: 30 + i, t, subject: DAVE, client: 'batch', jti: `d-access-${i + 1}` }));

export const tokenEvents: TokenEventRow[] = [
  // Alice: an access and a refresh token, one rotation; her access token expires and meets a validator error.
  issued({ n: 1, t: 0, subject: ALICE, client: 'web', jti: 'a-access-1' }),
  issued({ n: 2, t: 0, subject: ALICE, client: 'web', jti: 'a-refresh-1', kind: 'REFRESH', family: 'fam-a' }),
  validated({ n: 3, t: 60, jti: 'a-access-1', outcome: 'VALID', reason: 'OK', ip: '203.0.113.10', client: 'web', subject: ALICE }),
  validated({ n: 4, t: 120, jti: 'a-access-1', outcome: 'VALID', reason: 'OK', ip: '203.0.113.11', client: 'web', subject: ALICE }),
  validated({ n: 5, t: 1000, jti: 'a-access-1', outcome: 'INVALID', reason: 'EXPIRED', ip: '203.0.113.10', client: 'web', subject: ALICE }),
  validated({ n: 54, t: 1400, jti: 'a-access-1', outcome: 'ERROR', reason: 'INTERNAL_ERROR', ip: '203.0.113.10', client: 'web', subject: ALICE }),
  issued({ n: 6, t: 900, subject: ALICE, client: 'web', jti: 'a-access-2', family: 'fam-a', parent: 'a-refresh-1' }),
  issued({ n: 7, t: 900, subject: ALICE, client: 'web', jti: 'a-refresh-2', kind: 'REFRESH', family: 'fam-a', parent: 'a-refresh-1' }),
  // Bob: a 1-hour access token (beyond policy) revoked at logout and then still accepted once.
  issued({ n: 10, t: 300, subject: BOB, client: 'mobile', jti: 'b-access-1', lifetime: 3600, ip: '198.51.100.20' }),
  revoked({ n: 11, t: 600, jti: 'b-access-1', kind: 'ACCESS', reason: 'LOGOUT', cascade: false, subject: BOB, client: 'mobile', by: 'mobile' }),
  validated({ n: 12, t: 700, jti: 'b-access-1', outcome: 'VALID', reason: 'OK', ip: '198.51.100.20', client: 'mobile', subject: BOB }),
  validated({ n: 13, t: 800, jti: 'b-access-1', outcome: 'INVALID', reason: 'REVOKED', ip: '198.51.100.7', client: 'mobile', subject: BOB }),
  // Bob's second token (20 minutes: within the 30-minute ceiling, beyond a 15-minute policy) seen from four addresses.
  issued({ n: 14, t: 310, subject: BOB, client: 'mobile', jti: 'b-access-2', lifetime: 1200, ip: '198.51.100.20' }),
  ...['198.51.100.20', '198.51.100.21', '192.0.2.8', '192.0.2.9'].map((ip, i) =>
    validated({ n: 15 + i, t: 320 + 10 * i, jti: 'b-access-2', outcome: 'VALID', reason: 'OK', ip, client: 'mobile', subject: BOB })),
  // Carol: refresh reuse in family fam-c, then erasure; a token issued after the erasure is the compliance finding.
  issued({ n: 20, t: 100, subject: CAROL, client: 'mobile', jti: 'c-refresh-1', kind: 'REFRESH', family: 'fam-c' }),
  issued({ n: 21, t: 200, subject: CAROL, client: 'mobile', jti: 'c-refresh-2', kind: 'REFRESH', family: 'fam-c', parent: 'c-refresh-1' }),
  issued({ n: 22, t: 200, subject: CAROL, client: 'mobile', jti: 'c-access-1', family: 'fam-c', parent: 'c-refresh-1' }),
  denied({ n: 23, t: 400, reason: 'REFRESH_REUSED', client: 'mobile', subject: CAROL, grant: 'REFRESH_TOKEN', scope: [], lifetime: null, ip: '203.0.113.99' }),
  revoked({ n: 24, t: 400, jti: 'c-refresh-1', kind: 'REFRESH', reason: 'REFRESH_REUSE', cascade: false, subject: CAROL, client: 'mobile', family: 'fam-c' }),
  revoked({ n: 25, t: 400, jti: 'c-refresh-2', kind: 'REFRESH', reason: 'REFRESH_REUSE', cascade: true, subject: CAROL, client: 'mobile', family: 'fam-c' }),
  erased,
  revoked({ n: 27, t: 3000, jti: 'c-access-1', kind: 'ACCESS', reason: 'SUBJECT_ERASED', cascade: true, subject: CAROL, client: 'mobile', family: 'fam-c' }),
  issued({ n: 28, t: 3300, subject: CAROL, client: 'mobile', jti: 'c-access-2' }),
  // Dave: a reissue burst from the batch client, six tokens in one 5-minute bucket.
  ...dave,
  // Refused requests.
  denied({ n: 40, t: 500, reason: 'SCOPE_NOT_ALLOWED', client: 'web', subject: ALICE, grant: 'AUTHORIZATION_CODE', scope: ['admin:write'], lifetime: null }),
  denied({ n: 41, t: 510, reason: 'SCOPE_NOT_ALLOWED', client: 'web', subject: BOB, grant: 'AUTHORIZATION_CODE', scope: ['admin:write', 'profile:read'], lifetime: null }),
  denied({ n: 42, t: 2200, reason: 'RATE_LIMITED', client: 'batch', subject: DAVE, grant: 'CLIENT_CREDENTIALS', scope: ['orders:read'], lifetime: 900 }),
  // Garbage from one address: unreadable tokens and a forged jti we never issued.
  ...[1200, 1210, 1220].map((t, i) => validated({ n: 50 + i, t, jti: '', outcome: 'INVALID', reason: 'MALFORMED', ip: '192.0.2.66', client: '' })),
  validated({ n: 53, t: 1300, jti: 'forged-1', outcome: 'INVALID', reason: 'SIGNATURE_INVALID', ip: '192.0.2.66', client: 'web' }),
  // Another tenant: never in acme's answers.
  issued({ n: 60, t: 305, subject: BOB, client: 'mobile', jti: 'g-access-1', tenant: 'globex' }),
];

/** Redelivered copies (same event, later ingestion), inserted in a second batch. */
export const redelivered: TokenEventRow[] = [1, 3, 11, 12, 24, 26, 30, 31, 40, 50]
  .map((n) => tokenEvents.find((e) => e.event_id === uuid(n))!)
  .map((e) => ({ ...e, ingested_at: e.ingested_at + 3600 }));

const day = (iso: string) => seconds(`${iso}T00:00:00`);
const key = (n: number, iso: string, kid: string, phase: string, created: string, storage: string) =>
  keyEvent({ event_id: uuid(100 + n), event_time: seconds(iso), tenant_id: 'acme', kid, alg: 'ES256', phase,
    key_created_at: day(created), storage, jwk_thumbprint: `tp-${kid}` });

export const keyEvents = [
  key(1, '2024-10-01T00:00:00', 'k-2024-10', 'GENERATED', '2024-10-01', 'SOFTWARE'),
  key(2, '2024-10-01T00:05:00', 'k-2024-10', 'PUBLISHED', '2024-10-01', 'SOFTWARE'),
  key(3, '2024-10-02T00:00:00', 'k-2024-10', 'ACTIVATED', '2024-10-01', 'SOFTWARE'),
  key(4, '2025-01-07T00:00:00', 'k-2024-10', 'RETIRED', '2024-10-01', 'SOFTWARE'),
  key(5, '2025-01-05T00:00:00', 'k-2025-01', 'GENERATED', '2025-01-05', 'HSM'),
  key(6, '2025-01-05T00:05:00', 'k-2025-01', 'PUBLISHED', '2025-01-05', 'HSM'),
  key(7, '2025-01-06T00:00:00', 'k-2025-01', 'ACTIVATED', '2025-01-05', 'HSM'),
  key(8, '2025-06-01T00:00:00', 'k-2025-06', 'GENERATED', '2025-06-01', 'HSM'),
  key(9, '2025-06-01T00:05:00', 'k-2025-06', 'PUBLISHED', '2025-06-01', 'HSM'),
];
export const keyRedelivered = [keyEvents[6], keyEvents[0]];

const alert = (n: number, id: string, rule: string, severity: string, group: string, subject: string, client: string,
  windowStart: number, count: number, status: string) =>
  alertRow({ alert_id: id, event_id: uuid(200 + n), event_time: windowStart + 150 + n, rule_id: rule, severity,
    title: rule.replace(/-/g, ' '), group_key: group, subject_ref: subject, client_id: client, window_start: windowStart,
    window_end: windowStart + 300, threshold: rule === 'excessive-reissue-subject' ? 5 : 1, count, first_seen: windowStart,
    last_seen: windowStart + 100 + count, evidence_event_ids: [uuid(30)], mitre_techniques: ['T1550.001'], status });

export const alerts = [
  alert(1, 'al-reissue-dave', 'excessive-reissue-subject', 'MEDIUM', DAVE, DAVE, '', at(1800), 5, 'OPEN'),
  alert(2, 'al-reissue-dave', 'excessive-reissue-subject', 'MEDIUM', DAVE, DAVE, '', at(1800), 6, 'UPDATED'),
  alert(3, 'al-revoked-b1', 'revoked-token-use', 'HIGH', 'b-access-1', BOB, 'mobile', at(600), 1, 'OPEN'),
  alert(4, 'al-reuse-fam-c', 'refresh-reuse', 'CRITICAL', 'fam-c', CAROL, 'mobile', at(300), 1, 'OPEN'),
];
/** The OPEN version of Dave's alert delivered again after its update: it must not win. */
export const alertRedelivered = [alerts[0]];

/** Inserts the morning as the projector would: first deliveries, then the redeliveries as separate batches. */
export async function loadDataset(store: ClickHouseStore, database: string): Promise<void> {
  await store.insert(`${database}.token_events`, tokenEvents);
  await store.insert(`${database}.token_events`, redelivered);
  await store.insert(`${database}.key_events`, keyEvents);
  await store.insert(`${database}.key_events`, keyRedelivered);
  await store.insert(`${database}.alerts`, alerts);
  await store.insert(`${database}.alerts`, alertRedelivered);
}
