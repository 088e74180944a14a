import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { encode, EventHeader, EventTypeName } from '@tokenwarden/events';

export interface TestEvent {
  type: EventTypeName;
  id: string;
  key: string;
  value: Buffer;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

function header(nowMs: number, subject: number): EventHeader {
  return {
    event_id: randomUUID(),
    event_time: nowMs - 1000,
    producer: { service: 'fault-test', instance: `pid-${process.pid}`, version: '0.0.0' },
    tenant_id: 'default',
    trace_id: null,
    session_id: null,
    subject_ref: sha256(`subject-${subject}`),
    client_id: `client-${subject % 5}`,
    ip: '203.0.113.7',
  };
}

/**
 * The i-th token event of a run: issuances and validations over 60 subjects,
 * keyed by subject_ref like the token service keys them (so partitions mix).
 */
export function tokenEvent(i: number, nowMs = Date.now(), headerOverrides: Partial<EventHeader> = {}): TestEvent {
  const h = { ...header(nowMs, i % 60), ...headerOverrides };
  const jti = `jti-${i}-${randomBytes(4).toString('hex')}`;
  const common = { jti, iss: 'https://issuer.example.com', token_fingerprint: sha256(jti), alg: 'ES256', kid: 'k1' };
  const value =
    i % 3 === 2
      ? encode('TokenValidated', {
          header: h,
          ...common,
          outcome: 'VALID',
          reason: 'OK',
          validator: 'fault-test',
          audience: 'https://api.example.com',
          resource_server: null,
        })
      : encode('TokenIssued', {
          header: h,
          ...common,
          token_kind: 'ACCESS',
          aud: ['https://api.example.com'],
          scope: ['invoices:read'],
          issued_at: nowMs,
          expires_at: nowMs + 900_000,
          lifetime_seconds: 900,
          grant_type: 'CLIENT_CREDENTIALS',
          family_id: null,
          parent_jti: null,
          consent_ref: null,
        });
  return { type: i % 3 === 2 ? 'TokenValidated' : 'TokenIssued', id: h.event_id, key: h.subject_ref!, value };
}

/** Version `version` (its count) of incident `incident`: follow-ups keep the alert id and raise count. */
export function alertEvent(incident: number, version: number, nowMs = Date.now()): TestEvent {
  const h = header(nowMs, incident);
  const windowStart = Math.floor(nowMs / 300_000) * 300_000 - 300_000;
  const alertId = sha256(`rule-x/${incident}/${windowStart}`).slice(0, 32);
  const value = encode('Alert', {
    header: h,
    alert_id: alertId,
    rule_id: 'excessive-reissue-subject',
    rule_version: 1,
    severity: 'MEDIUM',
    title: 'Excessive reissues for one subject',
    group_key: h.subject_ref!,
    window_start: windowStart,
    window_end: windowStart + 300_000,
    threshold: 3,
    count: version,
    first_seen: windowStart + 1000,
    last_seen: windowStart + 1000 + version,
    evidence_event_ids: [randomUUID()],
    mitre_techniques: ['T1550.001'],
    status: version === 1 ? 'OPEN' : 'UPDATED',
  });
  return { type: 'Alert', id: h.event_id, key: alertId, value };
}

export function keyEvent(kid: string, phase: 'GENERATED' | 'ACTIVATED' | 'RETIRED', nowMs = Date.now()): TestEvent {
  const h = { ...header(nowMs, 0), subject_ref: null, client_id: null, ip: null };
  const value = encode('KeyLifecycle', {
    header: h,
    kid,
    alg: 'ES256',
    phase,
    key_created_at: nowMs - 86_400_000,
    storage: 'SOFTWARE',
    jwk_thumbprint: sha256(kid).slice(0, 43),
  });
  return { type: 'KeyLifecycle', id: h.event_id, key: kid, value };
}
