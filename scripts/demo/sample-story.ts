import { createHash, createHmac, randomUUID } from 'node:crypto';
import { EventHeader, EventTypeName, EventValueMap } from '@tokenwarden/events';

/** One event to publish: its type, value, topic role and partition key. */
export interface StoryEvent<K extends EventTypeName = EventTypeName> {
  type: K;
  value: EventValueMap[K];
  topic: 'tokenEvents' | 'keyEvents' | 'alerts';
  key: string | null;
}

const ISS = 'https://tokens.demo.tokenwarden.local';
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * A short, realistic story for the demo: a signing key is activated, a user
 * logs in through the web app, the token is used, refreshed, presented once
 * too late, revoked on logout; a client asks for too long a lifetime; the user
 * is erased. Subjects appear only as HMAC pseudonyms.
 */
export function sampleStory(nowMs: number, pseudonymKey: Buffer): StoryEvent[] {
  const subjectRef = createHmac('sha256', pseudonymKey).update('alice@example.com').digest('hex');
  let clock = nowMs - 60_000;
  const header = (client: string | null, subject: string | null = subjectRef): EventHeader => ({
    event_id: randomUUID(),
    event_time: (clock += 1000),
    producer: { service: 'demo', instance: 'demo-1', version: '0.1.0' },
    tenant_id: 'demo-tenant',
    trace_id: randomUUID().replace(/-/g, ''),
    session_id: 'sess-demo-1',
    subject_ref: subject,
    client_id: client,
    ip: '203.0.113.7',
  });
  const kid = 'demo-es256-1';
  const access1 = randomUUID();
  const refresh1 = randomUUID();
  const access2 = randomUUID();
  const issued = (jti: string, kind: 'ACCESS' | 'REFRESH', grant: 'TOKEN_EXCHANGE' | 'REFRESH_TOKEN', parent: string | null) => ({
    header: header('web-app'),
    jti,
    token_fingerprint: sha256(`demo-token-${jti}`),
    iss: ISS,
    token_kind: kind,
    aud: ['orders-api'],
    scope: ['orders:read'],
    kid,
    alg: 'ES256',
    issued_at: clock,
    expires_at: clock + (kind === 'ACCESS' ? 900_000 : 86_400_000),
    lifetime_seconds: kind === 'ACCESS' ? 900 : 86_400,
    grant_type: grant,
    family_id: 'fam-demo-1',
    parent_jti: parent,
    consent_ref: 'consent-demo-1',
  });
  const validated = (jti: string, ok: boolean) => ({
    header: header('orders-api'),
    jti,
    iss: ISS,
    token_fingerprint: sha256(`demo-token-${jti}`),
    outcome: ok ? ('VALID' as const) : ('INVALID' as const),
    reason: ok ? ('OK' as const) : ('EXPIRED' as const),
    alg: 'ES256',
    kid,
    validator: 'token-service',
    audience: 'orders-api',
    resource_server: 'orders-api',
  });
  return [
    { type: 'KeyLifecycle', topic: 'keyEvents', key: kid, value: {
      header: header(null, null), kid, alg: 'ES256', phase: 'ACTIVATED', key_created_at: nowMs - 3_600_000, storage: 'SOFTWARE', jwk_thumbprint: sha256(kid),
    } },
    { type: 'ConsentChanged', topic: 'tokenEvents', key: subjectRef, value: { header: header('web-app'), consent_ref: 'consent-demo-1', scope: ['orders:read'], granted: true } },
    { type: 'TokenIssued', topic: 'tokenEvents', key: subjectRef, value: issued(access1, 'ACCESS', 'TOKEN_EXCHANGE', null) },
    { type: 'TokenIssued', topic: 'tokenEvents', key: subjectRef, value: issued(refresh1, 'REFRESH', 'TOKEN_EXCHANGE', null) },
    { type: 'TokenValidated', topic: 'tokenEvents', key: subjectRef, value: validated(access1, true) },
    { type: 'TokenIssued', topic: 'tokenEvents', key: subjectRef, value: issued(access2, 'ACCESS', 'REFRESH_TOKEN', refresh1) },
    { type: 'TokenValidated', topic: 'tokenEvents', key: subjectRef, value: validated(access1, false) },
    { type: 'TokenRevoked', topic: 'tokenEvents', key: subjectRef, value: {
      header: header('web-app'), jti: refresh1, iss: ISS, token_kind: 'REFRESH', reason: 'LOGOUT', cascade: true, family_id: 'fam-demo-1', expires_at: clock + 86_400_000, revoked_by: 'web-app',
    } },
    { type: 'IssuanceDenied', topic: 'tokenEvents', key: null, value: {
      header: header('batch-job', null), reason: 'LIFETIME_EXCEEDED', detail: 'requested lifetime above the 1800 s cap', requested_grant: 'CLIENT_CREDENTIALS', requested_scope: ['reports:read'], requested_audience: ['reports-api'], requested_lifetime_seconds: 86_400,
    } },
    { type: 'SubjectErased', topic: 'tokenEvents', key: subjectRef, value: { header: header('privacy-admin'), tokens_revoked: 1, families_revoked: 1, requested_by: 'privacy-admin', request_ref: 'gdpr-req-42' } },
  ];
}
