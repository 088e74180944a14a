import { createHash, randomUUID } from 'node:crypto';
import { encode, EventHeader, EventValueMap } from '@tokenwarden/events';
import type { OutgoingRecord } from '@tokenwarden/kafka';

export interface ScenarioEvent {
  readonly id: string;
  readonly timeMs: number;
  readonly record: OutgoingRecord;
}

export const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/**
 * Builds token events the way the token service publishes them: on
 * token-events, keyed by subject_ref, Kafka timestamp = event_time.
 */
export class EventScript {
  readonly events: ScenarioEvent[] = [];
  private n = 0;

  constructor(private readonly topic: string, private readonly run: string) {}

  subject(name: string): string {
    return sha256(`${this.run}:${name}`);
  }

  issued(timeMs: number, f: { subject: string; client: string; ip?: string }): string {
    const h = this.header(timeMs, f);
    const jti = `jti-${this.run}-${this.n}`;
    return this.add('TokenIssued', h, {
      header: h, jti, token_fingerprint: sha256(jti), iss: 'https://issuer.example.com', token_kind: 'ACCESS',
      aud: ['https://api.example.com'], scope: ['invoices:read'], kid: 'k1', alg: 'ES256', issued_at: timeMs,
      expires_at: timeMs + 900_000, lifetime_seconds: 900, grant_type: 'REFRESH_TOKEN', family_id: null, parent_jti: null, consent_ref: null,
    });
  }

  validated(timeMs: number, f: { subject: string; client: string; ip: string; jti: string; reason?: EventValueMap['TokenValidated']['reason'] }): string {
    const h = this.header(timeMs, f);
    const reason = f.reason ?? 'OK';
    return this.add('TokenValidated', h, {
      header: h, jti: f.jti, iss: 'https://issuer.example.com', token_fingerprint: sha256(f.jti), outcome: reason === 'OK' ? 'VALID' : 'INVALID',
      reason, alg: 'ES256', kid: 'k1', validator: 'detector-test', audience: 'https://api.example.com', resource_server: null,
    });
  }

  /** Events in event-time order (the order a producer would publish them). */
  sorted(): ScenarioEvent[] {
    return [...this.events].sort((a, b) => a.timeMs - b.timeMs);
  }

  private header(timeMs: number, f: { subject: string; client: string; ip?: string }): EventHeader {
    return {
      event_id: randomUUID(), event_time: timeMs, producer: { service: 'detector-test', instance: this.run, version: '0.0.0' },
      tenant_id: 'default', trace_id: null, session_id: null, subject_ref: f.subject, client_id: f.client, ip: f.ip ?? '198.51.100.1',
    };
  }

  private add<K extends 'TokenIssued' | 'TokenValidated'>(type: K, h: EventHeader, value: EventValueMap[K]): string {
    this.n += 1;
    this.events.push({
      id: h.event_id,
      timeMs: h.event_time,
      record: { topic: this.topic, key: h.subject_ref, value: encode(type, value), timestampMs: h.event_time },
    });
    return h.event_id;
  }
}

/** The start of the last full 5-minute period: every window of the scenario falls inside one aligned period. */
export function alignedPeriodStart(nowMs = Date.now()): number {
  return Math.floor(nowMs / 300_000) * 300_000 - 300_000;
}
