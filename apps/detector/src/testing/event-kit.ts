// Builders of decoded events for the detector's unit tests and benchmarks
// (not production code). Based on the committed samples, so every field is
// schema-valid; ids and times are deterministic unless given.
import { createHash } from 'node:crypto';
import type { EventHeader, EventValueMap, TokenwardenEvent } from '@tokenwarden/events';
import { sampleEvent } from '../../../../libs/events/fixtures/samples';

const base = {
  TokenIssued: sampleEvent('TokenIssued'),
  TokenValidated: sampleEvent('TokenValidated'),
  TokenRevoked: sampleEvent('TokenRevoked'),
  IssuanceDenied: sampleEvent('IssuanceDenied'),
  KeyLifecycle: sampleEvent('KeyLifecycle'),
};

let counter = 0;

/** A lowercase RFC 4122 uuid (version 4 layout) derived from `n`. */
export function uuidOf(n: number | string): string {
  const x = createHash('sha256').update(String(n)).digest('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-4${x.slice(13, 16)}-8${x.slice(17, 20)}-${x.slice(20, 32)}`;
}

export const subjectRef = (name: string): string => createHash('sha256').update(`subject:${name}`).digest('hex');

export interface HeaderFacts {
  t: number;
  id?: string;
  subject?: string | null;
  client?: string | null;
  ip?: string | null;
  tenant?: string;
}

function header(type: keyof typeof base, f: HeaderFacts): EventHeader {
  return {
    ...base[type].header,
    event_id: f.id ?? uuidOf(`event-${counter++}`),
    event_time: f.t,
    tenant_id: f.tenant ?? 'default',
    subject_ref: f.subject === undefined ? subjectRef('alice') : f.subject === null ? null : subjectRef(f.subject),
    client_id: f.client === undefined ? 'billing-web' : f.client,
    ip: f.ip === undefined ? '203.0.113.42' : f.ip,
  };
}

type Body<K extends keyof typeof base> = Partial<Omit<EventValueMap[K], 'header'>>;

export const issued = (f: HeaderFacts, body: Body<'TokenIssued'> = {}): TokenwardenEvent =>
  ({ type: 'TokenIssued', value: { ...base.TokenIssued, jti: `jti-${counter}`, ...body, header: header('TokenIssued', f) } });

export const validated = (f: HeaderFacts, body: Body<'TokenValidated'> = {}): TokenwardenEvent =>
  ({ type: 'TokenValidated', value: { ...base.TokenValidated, ...body, header: header('TokenValidated', f) } });

export const revoked = (f: HeaderFacts, body: Body<'TokenRevoked'> = {}): TokenwardenEvent =>
  ({ type: 'TokenRevoked', value: { ...base.TokenRevoked, ...body, header: header('TokenRevoked', f) } });

export const denied = (f: HeaderFacts, body: Body<'IssuanceDenied'> = {}): TokenwardenEvent =>
  ({ type: 'IssuanceDenied', value: { ...base.IssuanceDenied, ...body, header: header('IssuanceDenied', f) } });

export const keyActivated = (kid: string, t: number): TokenwardenEvent =>
  ({ type: 'KeyLifecycle', value: { ...base.KeyLifecycle, kid, phase: 'ACTIVATED', header: header('KeyLifecycle', { t, subject: null, client: null, ip: null }) } });
