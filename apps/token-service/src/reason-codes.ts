import type { DenialReason as EventDenialReason } from '@tokenwarden/events';
import type { PolicyDenialReason } from '@tokenwarden/policy';

// Validation reasons (ReasonCode) live in @tokenwarden/jwt, shared with libs/guard; issuance denials are the token service's own.

/** Why an issuance was refused, finer than the event enum (tests and error_description use it). */
export type DenialReason =
  | PolicyDenialReason
  | 'GRANT_NOT_ALLOWED'
  | 'SCOPE_NOT_ALLOWED'
  | 'AUDIENCE_NOT_ALLOWED'
  | 'ENCRYPTION_KEY_MISSING'
  | 'TOKEN_TOO_LARGE'
  | 'KEY_UNAVAILABLE'
  | 'SIGNING_FAILED';

/** RFC 6749 §5.2 / RFC 8707 error codes the token endpoint may answer with. */
export type OAuthError =
  | 'invalid_request' | 'invalid_scope' | 'access_denied' | 'unauthorized_client' | 'invalid_target' | 'server_error';

interface DenialMapping { readonly oauth: OAuthError; readonly event: Exclude<EventDenialReason, 'UNKNOWN'>; readonly detail: string }

/**
 * The one place a denial becomes an OAuth error and an IssuanceDenied event.
 * `detail` is fixed text (the contract forbids claim values in it).
 */
export const DENIALS: Readonly<Record<DenialReason, DenialMapping>> = {
  LIFETIME_EXCEEDED: { oauth: 'invalid_request', event: 'LIFETIME_EXCEEDED', detail: 'requested lifetime exceeds the policy' },
  LIFETIME_INVALID: { oauth: 'invalid_request', event: 'POLICY_VIOLATION', detail: 'requested lifetime is not a positive whole number of seconds' },
  FORBIDDEN_CLAIM: { oauth: 'invalid_request', event: 'POLICY_VIOLATION', detail: 'a claim forbidden by the policy was requested' },
  RESERVED_CLAIM: { oauth: 'invalid_request', event: 'POLICY_VIOLATION', detail: 'a claim the service sets itself was requested' },
  CLAIM_INVALID: { oauth: 'invalid_request', event: 'POLICY_VIOLATION', detail: 'a requested claim is not plain JSON' },
  TOKEN_TOO_LARGE: { oauth: 'invalid_request', event: 'POLICY_VIOLATION', detail: 'the token would exceed the size cap' },
  SCOPE_NOT_ALLOWED: { oauth: 'invalid_scope', event: 'SCOPE_NOT_ALLOWED', detail: 'scope not registered for the client' },
  CONSENT_MISSING: { oauth: 'access_denied', event: 'CONSENT_MISSING', detail: 'no recorded consent for a scope that requires one' },
  GRANT_NOT_ALLOWED: { oauth: 'unauthorized_client', event: 'GRANT_NOT_ALLOWED', detail: 'grant not registered for the client' },
  AUDIENCE_NOT_ALLOWED: { oauth: 'invalid_target', event: 'AUDIENCE_NOT_ALLOWED', detail: 'audience not registered for the client' },
  ENCRYPTION_KEY_MISSING: { oauth: 'invalid_target', event: 'POLICY_VIOLATION', detail: 'sensitive claims need an audience encryption key' },
  ALG_NOT_ALLOWED: { oauth: 'server_error', event: 'KEY_UNAVAILABLE', detail: 'the signing key algorithm is not allowed by the policy' },
  KEY_UNAVAILABLE: { oauth: 'server_error', event: 'KEY_UNAVAILABLE', detail: 'no signing key is active' },
  SIGNING_FAILED: { oauth: 'server_error', event: 'KEY_UNAVAILABLE', detail: 'the signing key could not sign' },
};

export const oauthErrorFor = (reason: DenialReason): OAuthError => DENIALS[reason].oauth;
