import { DenialReason, GrantType, TokenwardenEvent } from '@tokenwarden/events';
import { parseRfc3339 } from '../contract/json-to-avro';
import { Auth0Settings } from '../producers/producer-config';
import { AdapterContext, adapterHeader, contentId, derivedEventId, isRecord, lookup, ParkCode, scopes, SourceAdapter, SourceOutcome, text, tokenTimes } from './source-adapter';

/** Bumped whenever a mapping below changes; written as header.producer.version. */
export const AUTH0_ADAPTER_VERSION = 'auth0-adapter/1';

/** Successful token exchanges ("se…ft" log types) and their grant. */
const EXCHANGES: Readonly<Record<string, GrantType>> = {
  seacft: 'AUTHORIZATION_CODE', // Success Exchange: Authorization Code for Access Token
  seccft: 'CLIENT_CREDENTIALS', // Success Exchange: Client Credentials for Access Token
  sertft: 'REFRESH_TOKEN', // Success Exchange: Refresh Token for Access Token
  sepft: 'PASSWORD', // Success Exchange: Password for Access Token
  sede: 'DEVICE_CODE', // Success Exchange: Device Code for Access Token
};
/** Failed exchanges ("fe…ft") with their grant and the reason the log type implies (the log does not say more). */
const FAILURES: Readonly<Record<string, [GrantType, DenialReason]>> = {
  feacft: ['AUTHORIZATION_CODE', 'POLICY_VIOLATION'], // Failed Exchange: Authorization Code for Access Token
  feccft: ['CLIENT_CREDENTIALS', 'POLICY_VIOLATION'], // Failed Exchange: Client Credentials for Access Token
  fertft: ['REFRESH_TOKEN', 'REFRESH_INVALID'], // Failed Exchange: Refresh Token for Access Token
  ferrt: ['REFRESH_TOKEN', 'REFRESH_REUSED'], // Failed Exchange: Rotating Refresh Token (reuse detected)
  fepft: ['PASSWORD', 'POLICY_VIOLATION'], // Failed Exchange: Password for Access Token
  fede: ['DEVICE_CODE', 'POLICY_VIOLATION'], // Failed Exchange: Device Code for Access Token
};
/** Recognised types that state no token fact: logins, logouts, silent authentication. Counted as skipped. */
const SKIPPED = ['s', 'f', 'slo', 'ssa', 'fsa'];

/**
 * Auth0 log stream events as a custom webhook stream posts them: an array of
 * `{ log_id, data: { type, date, client_id, user_id, ip, hostname, audience,
 * scope, description, details } }`. The mapping table is in apps/ingest/README.md.
 */
export class Auth0Adapter implements SourceAdapter {
  readonly source = 'auth0' as const;
  readonly skippedTypes = SKIPPED;

  map(raw: unknown, ctx: AdapterContext): SourceOutcome {
    const s = ctx.producer.auth0 as Auth0Settings;
    const data = isRecord(raw) && isRecord(raw.data) ? raw.data : undefined;
    const type = text(data?.type, 64) ?? '(none)';
    const logId = isRecord(raw) ? text(raw.log_id, 128) ?? text(data?.log_id, 128) : null;
    const park = (code: ParkCode, reason: string): SourceOutcome => ({
      kind: 'parked', sourceType: type, id: derivedEventId('auth0', s.tenant, logId ?? contentId(raw), `parked:${code}`), code, reason,
    });
    const timeMs = typeof data?.date === 'string' ? parseRfc3339(data.date) : undefined;
    if (!data || !logId || timeMs === undefined || typeof data.type !== 'string') {
      return park('INGEST_MALFORMED_SOURCE_EVENT', 'not an Auth0 log event: log_id, data.type and data.date (ISO 8601) are required');
    }
    if (SKIPPED.includes(type)) return { kind: 'skipped', sourceType: type };
    const exchange = lookup(EXCHANGES, type);
    const failure = lookup(FAILURES, type);
    if (!exchange && !failure && type !== 'srrt') return park('INGEST_UNKNOWN_TYPE', 'no mapping for this Auth0 log type');
    const hostname = text(data.hostname, 253);
    const issuer = s.issuer ?? (hostname && /^[A-Za-z0-9.-]+$/.test(hostname) ? `https://${hostname}/` : null);
    if (!issuer) return park('INGEST_UNMAPPED_VALUE', 'no issuer: data.hostname is missing and the producer configures none');
    const clientId = text(data.client_id);
    // Client-credentials tokens carry sub "<client_id>@clients"; pseudonymize what the token names.
    const subject = text(data.user_id) ?? (type === 'seccft' && clientId ? `${clientId}@clients` : null);
    const header = (role: string) => adapterHeader(ctx, AUTH0_ADAPTER_VERSION, {
      eventId: derivedEventId('auth0', s.tenant, logId, role),
      eventTimeMs: timeMs, tenant: s.tenant, sessionId: null,
      subjectRef: subject ? ctx.pseudonyms.subjectRef(subject) : null, clientId, ip: data.ip,
    });
    const audience = typeof data.audience === 'string' && data.audience !== '' ? [data.audience.slice(0, 256)] : [];
    // Auth0 names no token in its logs: the log entry stands in for the jti, so each token stays distinct downstream.
    const jti = `auth0-log:${logId}`;
    let event: TokenwardenEvent;
    if (exchange) {
      event = {
        type: 'TokenIssued',
        value: {
          header: header('issued'), jti, token_fingerprint: '', iss: issuer, token_kind: 'ACCESS', aud: audience, scope: scopes(data.scope),
          kid: '', alg: s.alg, ...tokenTimes(timeMs, s.accessTokenLifetimeSeconds), grant_type: exchange, family_id: null, parent_jti: null, consent_ref: null,
        },
      };
    } else if (failure) {
      const [grant, reason] = failure;
      event = {
        type: 'IssuanceDenied',
        value: {
          header: header('denied'), reason, detail: `auth0 ${type}: failed exchange (${grant.toLowerCase()})`, requested_grant: grant,
          requested_scope: scopes(data.scope), requested_audience: audience, requested_lifetime_seconds: null,
        },
      };
    } else {
      // srrt: Success Revocation of a Refresh Token. Its own expiry is unknown: the configured refresh lifetime bounds it.
      event = {
        type: 'TokenRevoked',
        value: {
          header: header('revoked'), jti, iss: issuer, token_kind: 'REFRESH', reason: 'CLIENT_REQUEST', cascade: false, family_id: null,
          expires_at: tokenTimes(timeMs, s.refreshTokenLifetimeSeconds).expires_at, revoked_by: clientId ?? 'auth0',
        },
      };
    }
    return { kind: 'mapped', sourceType: type, events: [event] };
  }
}
