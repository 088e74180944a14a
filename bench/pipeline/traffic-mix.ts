// The full-pipeline benchmark's traffic: what identity services put on
// token-events in production, plus reissue storms that must raise alerts.
import { createHash, randomUUID } from 'node:crypto';
import { encode, EventHeader, EventTypeName } from '@tokenwarden/events';

/** The tenant of the mix (token_events' first sorting-key column). */
export const MIX_TENANT_ID = 'default';
/**
 * The tenant of the queryable probes: ordinary events of the stories, in the
 * same batches and inserts as their neighbours, whose own tenant lets the
 * analyst's poll read only them through token_events' primary index.
 */
export const PROBE_TENANT_ID = 'bench-probe';

export interface MixedEvent {
  id: string;
  key: string;
  value: Buffer;
  type: EventTypeName;
  /** Set on the issuance that crosses reissue-per-subject's threshold: the storm's subject_ref. */
  crossesStorm?: string;
  /** A queryable probe (tenant PROBE_TENANT_ID). */
  probe?: boolean;
}

export interface MixOptions {
  /** Subjects of the background traffic (round robin, so none nears a per-subject threshold). */
  subjects: number;
  /** Client ids; enough that reissue-per-client (500 in 5 min) stays quiet at the rates swept. */
  clients: number;
  /** A reissue storm starts every this many ms of scheduled time. */
  stormEveryMs: number;
  /** One background event in this many is a queryable probe (0 or absent: none). */
  probeEvery?: number;
}

/** reissue-per-subject in config/detection-rules.json: 20 TokenIssued for one subject in 5 minutes. */
export const STORM_ISSUANCES = 20;
const STORM_SPACING_MS = 10;

// One subject's story, one step per pass over all subjects: a login (access
// and refresh token), resource servers validating, refreshes, an expired
// token presented, a refused scope, a consent change, a logout. 20 % TokenIssued,
// 65 % TokenValidated (5 % INVALID), 5 % each IssuanceDenied, ConsentChanged, TokenRevoked.
type Step = 'login' | 'loginRefresh' | 'valid' | 'expired' | 'refresh' | 'denied' | 'consent' | 'logout';
const STORY: readonly Step[] = [
  'login', 'loginRefresh', 'valid', 'valid', 'valid', 'valid', 'expired', 'refresh', 'valid', 'valid',
  'valid', 'valid', 'valid', 'refresh', 'valid', 'valid', 'valid', 'denied', 'consent', 'logout',
];

const ISS = 'https://issuer.example.com';
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const hex64 = (n: number, salt: number) => `${salt.toString(16).padStart(8, '0')}${n.toString(16).padStart(56, '0')}`;

/**
 * Produces event after event for scheduled wall-clock times: background
 * stories over many subjects, and every `stormEveryMs` a fresh subject that
 * gets STORM_ISSUANCES issuances STORM_SPACING_MS apart (taking the place of
 * background events, so the rate stays what the schedule says).
 */
export class TrafficMix {
  private background = 0;
  private storms = 0;
  private nextStormAt: number | undefined;
  private pending: Array<{ dueMs: number; subject: string; n: number }> = [];

  constructor(private readonly options: MixOptions) {}

  next(wallMs: number): MixedEvent {
    this.nextStormAt ??= wallMs;
    if (wallMs >= this.nextStormAt) this.startStorm();
    if (this.pending.length > 0 && this.pending[0].dueMs <= wallMs) {
      const s = this.pending.shift()!;
      const e = this.issued(wallMs, MIX_TENANT_ID, s.subject, `client-${this.storms % this.options.clients}`, `storm-${s.subject.slice(-8)}-${s.n}`, 'ACCESS', 'REFRESH_TOKEN');
      return s.n === STORM_ISSUANCES - 1 ? { ...e, crossesStorm: s.subject } : e;
    }
    return this.story(wallMs);
  }

  private startStorm(): void {
    const subject = hex64(this.storms, 0x5707);
    this.storms += 1;
    for (let n = 0; n < STORM_ISSUANCES; n += 1) this.pending.push({ dueMs: this.nextStormAt! + n * STORM_SPACING_MS, subject, n });
    this.nextStormAt! += this.options.stormEveryMs;
  }

  private story(wallMs: number): MixedEvent {
    const k = this.background++;
    const probe = (this.options.probeEvery ?? 0) > 0 && k % this.options.probeEvery! === 0;
    const e = this.storyStep(wallMs, k, probe ? PROBE_TENANT_ID : MIX_TENANT_ID);
    return probe ? { ...e, probe } : e;
  }

  private storyStep(wallMs: number, k: number, tenant: string): MixedEvent {
    const u = k % this.options.subjects;
    const pass = Math.floor(k / this.options.subjects);
    const session = Math.floor(pass / STORY.length);
    const subject = hex64(u, 1);
    const client = `client-${u % this.options.clients}`;
    const access = `a-${u}-${session}`;
    const h = this.header(wallMs, tenant, subject, client, u);
    switch (STORY[pass % STORY.length]) {
      case 'login':
        return this.issued(wallMs, tenant, subject, client, access, 'ACCESS', 'AUTHORIZATION_CODE');
      case 'loginRefresh':
        return this.issued(wallMs, tenant, subject, client, `r-${u}-${session}`, 'REFRESH', 'AUTHORIZATION_CODE');
      case 'refresh':
        return this.issued(wallMs, tenant, subject, client, `${access}-${pass}`, 'ACCESS', 'REFRESH_TOKEN');
      case 'valid':
        return this.validated(h, access, 'VALID', 'OK');
      case 'expired':
        return this.validated(h, access, 'INVALID', 'EXPIRED');
      case 'denied':
        return event('IssuanceDenied', h, {
          reason: 'SCOPE_NOT_ALLOWED', detail: 'requested scope is not allowed for this client', requested_grant: 'AUTHORIZATION_CODE',
          requested_scope: ['admin:all'], requested_audience: ['https://api.example.com'], requested_lifetime_seconds: 900,
        });
      case 'consent':
        return event('ConsentChanged', h, { consent_ref: `consent-${u}`, scope: ['profile:read'], granted: session % 4 !== 3 });
      case 'logout':
        return event('TokenRevoked', h, {
          jti: `r-${u}-${session}`, iss: ISS, token_kind: 'REFRESH', reason: 'LOGOUT', cascade: true,
          family_id: `fam-${u}-${session}`, expires_at: wallMs + 1_209_600_000, revoked_by: 'subject',
        });
    }
  }

  private header(wallMs: number, tenant: string, subject: string, client: string, u: number): EventHeader {
    return {
      event_id: randomUUID(),
      event_time: wallMs,
      producer: { service: 'token-service', instance: 'bench-pipeline', version: '0.1.0' },
      tenant_id: tenant,
      trace_id: null,
      session_id: null,
      subject_ref: subject,
      client_id: client,
      ip: `10.${(u >> 16) & 255}.${(u >> 8) & 255}.${u & 255}`,
    };
  }

  private issued(wallMs: number, tenant: string, subject: string, client: string, jti: string, kind: 'ACCESS' | 'REFRESH', grant: 'AUTHORIZATION_CODE' | 'REFRESH_TOKEN'): MixedEvent {
    const lifetime = kind === 'ACCESS' ? 900 : 1_209_600;
    const u = parseInt(subject.slice(-6), 16);
    return event('TokenIssued', this.header(wallMs, tenant, subject, client, u), {
      jti, token_fingerprint: sha256(jti), iss: ISS, token_kind: kind, aud: ['https://api.example.com'], scope: ['invoices:read'],
      kid: 'es256-bench', alg: 'ES256', issued_at: wallMs, expires_at: wallMs + lifetime * 1000, lifetime_seconds: lifetime,
      grant_type: grant, family_id: `fam-${subject.slice(-8)}`, parent_jti: null, consent_ref: null,
    });
  }

  private validated(h: EventHeader, jti: string, outcome: 'VALID' | 'INVALID', reason: 'OK' | 'EXPIRED'): MixedEvent {
    return event('TokenValidated', h, {
      jti, iss: ISS, token_fingerprint: sha256(jti), outcome, reason, alg: 'ES256', kid: 'es256-bench',
      validator: 'resource-server', audience: 'https://api.example.com', resource_server: 'invoices-rs',
    });
  }
}

function event(type: EventTypeName, header: EventHeader, body: Record<string, unknown>): MixedEvent {
  return { id: header.event_id, key: header.subject_ref!, type, value: encode(type, { header, ...body } as never) };
}
