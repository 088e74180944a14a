import { DenialReason, GrantType, TokenwardenEvent, ValidationReason } from '@tokenwarden/events';
import { KeycloakRealm, KeycloakSettings } from '../producers/producer-config';
import {
  AdapterContext, adapterHeader, contentId, derivedEventId, GRANT_TYPES, isRecord, lookup, ParkCode, scopes, SourceAdapter, SourceOutcome, text, tokenTimes,
} from './source-adapter';

/** Bumped whenever a mapping below changes; written as header.producer.version. */
export const KEYCLOAK_ADAPTER_VERSION = 'keycloak-adapter/1';

/** Token-issuing user events and the grant each stands for. LOGIN counts only when it carries a token_id (direct grant). */
const ISSUING: Readonly<Record<string, GrantType>> = {
  CODE_TO_TOKEN: 'AUTHORIZATION_CODE',
  CLIENT_LOGIN: 'CLIENT_CREDENTIALS',
  REFRESH_TOKEN: 'REFRESH_TOKEN',
  TOKEN_EXCHANGE: 'TOKEN_EXCHANGE',
  OAUTH2_DEVICE_CODE_TO_TOKEN: 'DEVICE_CODE',
  LOGIN: 'PASSWORD',
};
/** Failed token requests; LOGIN_ERROR takes details.grant_type when present (direct grant), else the browser's code flow. */
const DENYING: Readonly<Record<string, GrantType>> = {
  CODE_TO_TOKEN_ERROR: 'AUTHORIZATION_CODE',
  CLIENT_LOGIN_ERROR: 'CLIENT_CREDENTIALS',
  REFRESH_TOKEN_ERROR: 'REFRESH_TOKEN',
  TOKEN_EXCHANGE_ERROR: 'TOKEN_EXCHANGE',
  OAUTH2_DEVICE_CODE_TO_TOKEN_ERROR: 'DEVICE_CODE',
  LOGIN_ERROR: 'AUTHORIZATION_CODE',
};
/** Keycloak error codes (org.keycloak.events.Errors) to denial reasons; others are POLICY_VIOLATION. */
const DENIAL_REASONS: Readonly<Record<string, DenialReason>> = {
  invalid_client_credentials: 'CLIENT_UNAUTHENTICATED',
  invalid_client: 'CLIENT_UNAUTHENTICATED',
  client_not_found: 'CLIENT_UNAUTHENTICATED',
  client_disabled: 'CLIENT_UNAUTHENTICATED',
  not_allowed: 'GRANT_NOT_ALLOWED',
  unauthorized_client: 'GRANT_NOT_ALLOWED',
  invalid_request: 'POLICY_VIOLATION',
  consent_denied: 'CONSENT_MISSING',
};
/** Introspection failures that mean the caller was refused, not that a token was checked. */
const CALLER_ERRORS = new Set(['invalid_client_credentials', 'invalid_client', 'client_not_found', 'client_disabled', 'invalid_request']);
/** Recognised events that state no token fact: counted as skipped (a browser LOGIN only yields a code; LOGOUT names no token). */
const SKIPPED = ['LOGIN', 'LOGOUT', 'ADMIN_EVENT'];

/**
 * Keycloak user events and admin events, as Keycloak's HTTP event listeners
 * post them: the JSON of org.keycloak.events.Event (`type`, `time`, `realmId`,
 * `clientId`, `userId`, `sessionId`, `ipAddress`, `error`, `details`) or of
 * AdminEvent (`operationType`, `resourceType`, `resourcePath`, `authDetails`).
 * The mapping table is in apps/ingest/README.md.
 */
export class KeycloakAdapter implements SourceAdapter {
  readonly source = 'keycloak' as const;
  readonly skippedTypes = [...SKIPPED, 'INTROSPECT_TOKEN_ERROR'];

  map(raw: unknown, ctx: AdapterContext): SourceOutcome {
    const settings = ctx.producer.keycloak as KeycloakSettings;
    const isAdmin = isRecord(raw) && typeof raw.operationType === 'string';
    const type = !isRecord(raw) ? '(none)' : isAdmin ? `${String(raw.operationType)} ${String(raw.resourceType)}`.slice(0, 64) : text(raw.type, 64) ?? '(none)';
    const sourceId = isRecord(raw) && typeof raw.id === 'string' && raw.id !== '' ? raw.id.slice(0, 128) : contentId(raw);
    const park = (code: ParkCode, reason: string): SourceOutcome => ({ kind: 'parked', sourceType: type, id: derivedEventId('keycloak', 'parked', sourceId, code), code, reason });
    if (!isRecord(raw) || !Number.isSafeInteger(raw.time) || typeof raw.realmId !== 'string' || (!isAdmin && typeof raw.type !== 'string')) {
      return park('INGEST_MALFORMED_SOURCE_EVENT', 'not a Keycloak Event or AdminEvent: type (or operationType), time (epoch ms) and realmId are required');
    }
    const realm = lookup(settings.realms, raw.realmId) ?? lookup(settings.realms, raw.realmName);
    if (!realm) return park('INGEST_REALM_NOT_CONFIGURED', 'realm is not mapped to a tenant in the producers file');
    const m = new Mapping(raw, realm, settings, ctx, sourceId, raw.time as number);
    if (isAdmin) return raw.operationType === 'DELETE' && raw.resourceType === 'USER' ? m.userDeleted(type, park) : { kind: 'skipped', sourceType: 'ADMIN_EVENT' };
    const details = isRecord(raw.details) ? raw.details : {};
    const mapped = (events: TokenwardenEvent[]): SourceOutcome => ({ kind: 'mapped', sourceType: type, events });
    if (type === 'LOGIN' && typeof details.token_id !== 'string') return { kind: 'skipped', sourceType: type };
    const grant = lookup(GRANT_TYPES, details.grant_type);
    const issuing = lookup(ISSUING, type);
    if (issuing) return mapped(m.issued(grant ?? issuing, details));
    const denying = lookup(DENYING, type);
    if (denying) return mapped([m.denied(grant ?? denying, type, details)]);
    if (type === 'INTROSPECT_TOKEN') return mapped([m.introspected('OK')]);
    if (type === 'INTROSPECT_TOKEN_ERROR') {
      if (CALLER_ERRORS.has(String(raw.error))) return { kind: 'skipped', sourceType: type };
      return mapped([m.introspected(introspectionReason(details.reason))]);
    }
    if (type === 'REVOKE_GRANT' || type === 'GRANT_CONSENT') {
      const client = text(type === 'REVOKE_GRANT' ? details.revoked_client : raw.clientId);
      if (!client || typeof raw.userId !== 'string') return park('INGEST_UNMAPPED_VALUE', `${type} without userId or client`);
      return mapped([m.consent(type === 'GRANT_CONSENT', client, details)]);
    }
    if (SKIPPED.includes(type)) return { kind: 'skipped', sourceType: type };
    return park('INGEST_UNKNOWN_TYPE', 'no mapping for this Keycloak event type');
  }
}

function introspectionReason(reason: unknown): ValidationReason {
  const r = typeof reason === 'string' ? reason.toLowerCase() : '';
  if (r.includes('expired')) return 'EXPIRED';
  if (r.includes('not active') || r.includes('revoked') || r.includes('session')) return 'REVOKED';
  if (r.includes('signature') || r.includes('verif')) return 'SIGNATURE_INVALID';
  return 'CLAIM_INVALID';
}

/** Builds the contract events of one Keycloak event. */
class Mapping {
  private readonly subjectRef: string | null;

  constructor(
    private readonly raw: Record<string, unknown>,
    private readonly realm: KeycloakRealm,
    private readonly settings: KeycloakSettings,
    private readonly ctx: AdapterContext,
    private readonly sourceId: string,
    private readonly timeMs: number,
  ) {
    this.subjectRef = typeof raw.userId === 'string' && raw.userId !== '' ? ctx.pseudonyms.subjectRef(raw.userId) : null;
  }

  private header(role: string, over: { subjectRef?: string | null; clientId?: unknown; ip?: unknown; sessionId?: unknown } = {}) {
    return adapterHeader(this.ctx, KEYCLOAK_ADAPTER_VERSION, {
      eventId: derivedEventId('keycloak', String(this.raw.realmId), this.sourceId, role),
      eventTimeMs: this.timeMs,
      tenant: this.realm.tenant,
      sessionId: 'sessionId' in over ? over.sessionId : this.raw.sessionId,
      subjectRef: over.subjectRef !== undefined ? over.subjectRef : this.subjectRef,
      clientId: 'clientId' in over ? over.clientId : this.raw.clientId,
      ip: 'ip' in over ? over.ip : this.raw.ipAddress,
    });
  }

  /** The access token (details.token_id) and, when one was minted, the refresh token. */
  issued(grant: GrantType, d: Record<string, unknown>): TokenwardenEvent[] {
    const s = this.settings;
    const token = (role: string, kind: 'ACCESS' | 'REFRESH', jti: string, lifetime: number, parent: unknown): TokenwardenEvent => ({
      type: 'TokenIssued',
      value: {
        header: this.header(role), jti: jti.slice(0, 256), token_fingerprint: '', iss: this.realm.issuer, token_kind: kind,
        aud: typeof d.audience === 'string' ? [d.audience.slice(0, 256)] : [], scope: scopes(d.scope), kid: '', alg: s.alg,
        ...tokenTimes(this.timeMs, lifetime), grant_type: grant, family_id: null, parent_jti: text(parent), consent_ref: null,
      },
    });
    const jti = typeof d.token_id === 'string' && d.token_id !== '' ? d.token_id : `keycloak-event:${this.sourceId}`;
    const out = [token('access', 'ACCESS', jti, s.accessTokenLifetimeSeconds, grant === 'REFRESH_TOKEN' ? d.refresh_token_id : null)];
    // CODE_TO_TOKEN and friends report the new refresh token as refresh_token_id; a refresh reports it as updated_refresh_token_id.
    const refreshJti = grant === 'REFRESH_TOKEN' ? d.updated_refresh_token_id : d.refresh_token_id;
    if (typeof refreshJti === 'string' && refreshJti !== '') {
      const lifetime = d.refresh_token_type === 'Offline' ? s.offlineTokenLifetimeSeconds : s.refreshTokenLifetimeSeconds;
      out.push(token('refresh', 'REFRESH', refreshJti, lifetime, grant === 'REFRESH_TOKEN' ? d.refresh_token_id : null));
    }
    return out;
  }

  denied(grant: GrantType, type: string, d: Record<string, unknown>): TokenwardenEvent {
    const error = typeof this.raw.error === 'string' && /^[a-z_]{1,64}$/.test(this.raw.error) ? this.raw.error : null;
    let reason: DenialReason = lookup(DENIAL_REASONS, error) ?? 'POLICY_VIOLATION';
    if (grant === 'REFRESH_TOKEN' && reason === 'POLICY_VIOLATION') {
      const why = typeof d.reason === 'string' ? d.reason.toLowerCase() : '';
      reason = why.includes('reuse') ? 'REFRESH_REUSED' : error === 'session_expired' || why.includes('expired') ? 'REFRESH_EXPIRED' : 'REFRESH_INVALID';
    }
    return {
      type: 'IssuanceDenied',
      value: {
        header: this.header('denied'), reason, detail: error ? `keycloak ${type}: ${error}` : `keycloak ${type}`, requested_grant: grant,
        requested_scope: scopes(d.scope), requested_audience: typeof d.audience === 'string' ? [d.audience.slice(0, 256)] : [], requested_lifetime_seconds: null,
      },
    };
  }

  introspected(reason: ValidationReason): TokenwardenEvent {
    return {
      type: 'TokenValidated',
      value: {
        header: this.header('validated'), jti: null, iss: null, token_fingerprint: null, outcome: reason === 'OK' ? 'VALID' : 'INVALID', reason,
        alg: null, kid: null, validator: 'keycloak-introspection', audience: null, resource_server: text(this.raw.clientId),
      },
    };
  }

  consent(granted: boolean, client: string, d: Record<string, unknown>): TokenwardenEvent {
    const consentRef = derivedEventId('keycloak', String(this.raw.realmId), `consent\n${String(this.raw.userId)}\n${client}`, 'consent');
    return { type: 'ConsentChanged', value: { header: this.header('consent', { clientId: client }), consent_ref: consentRef, scope: scopes(d.granted_scope ?? d.scope), granted } };
  }

  /** DELETE USER: the user is gone from Keycloak, with its sessions; an erasure as far as the audit trail can tell. */
  userDeleted(type: string, park: (code: ParkCode, reason: string) => SourceOutcome): SourceOutcome {
    const userId = /^users\/([0-9A-Za-z_.@-]{1,128})$/.exec(String(this.raw.resourcePath))?.[1];
    if (!userId) return park('INGEST_UNMAPPED_VALUE', 'DELETE USER without a users/<id> resourcePath');
    const auth = isRecord(this.raw.authDetails) ? this.raw.authDetails : {};
    const operator = typeof auth.userId === 'string' ? this.ctx.pseudonyms.subjectRef(auth.userId) : 'unknown';
    const event: TokenwardenEvent = {
      type: 'SubjectErased',
      value: {
        header: this.header('erased', { subjectRef: this.ctx.pseudonyms.subjectRef(userId), clientId: auth.clientId, ip: auth.ipAddress, sessionId: null }),
        tokens_revoked: 0, families_revoked: 0, requested_by: `admin:${operator}`, request_ref: null,
      },
    };
    return { kind: 'mapped', sourceType: type, events: [event] };
  }
}
