// Generated from schemas/avro (the newest version of each event type) by scripts/gen-event-types.ts.
// Do not edit: change the .avsc files, then run from the repository root:
//   npx tsc --outDir .local/gen --module commonjs --target es2022 --types node --skipLibCheck scripts/gen-event-types.ts && node .local/gen/scripts/gen-event-types.js

/** The software that wrote the event. */
export interface ProducerInfo {
  /** Logical service name, e.g. token-service, ingest, detector. */
  readonly service: string;
  /** Id of the producing process (host or pod name); tells replicas apart. */
  readonly instance: string;
  /** Version of the producing software (semver or git commit). */
  readonly version: string;
}

/** Envelope shared by every Tokenwarden event; always the first field of a record, named header. */
export interface EventHeader {
  /**
   * Unique id of this event: an RFC 4122 UUID in lowercase canonical text. A redelivered event
   * keeps its id; ClickHouse deduplicates on it. (Avro uuid: lowercase text.)
   */
  readonly event_id: string;
  /**
   * When the fact happened, in milliseconds since the Unix epoch (UTC), from the producer's clock.
   * Windows, ordering and retention use this time, not broker time. (Avro timestamp-millis: a
   * number of milliseconds since the Unix epoch.)
   */
  readonly event_time: number;
  /** Which software wrote the event. */
  readonly producer: ProducerInfo;
  /**
   * Tenant that owns the fact; "default" in a single-tenant deployment. Never null: every fact
   * belongs to a tenant.
   */
  readonly tenant_id: string;
  /**
   * W3C trace-context trace-id (32 lowercase hex digits) of the request that caused the event; null
   * when no trace was active, e.g. scheduled jobs.
   */
  readonly trace_id: string | null;
  /**
   * Login session the token belongs to (the sid claim); null when the flow has no session (client
   * credentials, key events, unreadable tokens).
   */
  readonly session_id: string | null;
  /**
   * HMAC-SHA256 pseudonym of the subject (sub) under a server-held key, lowercase hex; never the
   * raw subject. Kafka key of token-events. Null when no subject applies or none could be read: key
   * events, unreadable tokens, alerts not about one subject.
   */
  readonly subject_ref: string | null;
  /**
   * OAuth client the token was issued to or the request came from; null when unknown (unreadable
   * token) or not applicable (key events).
   */
  readonly client_id: string | null;
  /**
   * IPv4 or IPv6 address (text) of the caller as the producer saw it after trusted-proxy handling;
   * null for internal or scheduled actions.
   */
  readonly ip: string | null;
}

/** Alert severity. UNKNOWN: reader fallback only. */
export type Severity = 'INFO' | 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL' | 'UNKNOWN';

/** OPEN: first raised. UPDATED: a follow-up on an open incident. UNKNOWN: reader fallback only. */
export type AlertStatus = 'OPEN' | 'UPDATED' | 'UNKNOWN';

/**
 * A detection rule raised or updated an incident. Keyed by alert_id on alerts; header.subject_ref,
 * client_id and ip are set when the rule groups by them.
 */
export interface Alert {
  /** Envelope shared by every event. */
  readonly header: EventHeader;
  /**
   * Deterministic incident id derived from (rule_id, group_key, window_start): a replay or restart
   * yields the same id, and follow-ups keep it.
   */
  readonly alert_id: string;
  /** Id of the detection rule. */
  readonly rule_id: string;
  /** Version of the rule definition that fired. */
  readonly rule_version: number;
  /** Severity from the rule. */
  readonly severity: Severity;
  /** Short human-readable title from the rule; no claim values. */
  readonly title: string;
  /**
   * Value of the rule's grouping key (e.g. a subject_ref, client id or ip) the events were counted
   * under.
   */
  readonly group_key: string;
  /**
   * Start of the event-time window, in milliseconds (inclusive). (Avro timestamp-millis: a number
   * of milliseconds since the Unix epoch.)
   */
  readonly window_start: number;
  /**
   * End of the event-time window, in milliseconds (exclusive). (Avro timestamp-millis: a number of
   * milliseconds since the Unix epoch.)
   */
  readonly window_end: number;
  /** The rule's threshold that count reached. */
  readonly threshold: number;
  /** Matching events in the window so far. */
  readonly count: number;
  /**
   * event_time of the first matching event, in milliseconds. (Avro timestamp-millis: a number of
   * milliseconds since the Unix epoch.)
   */
  readonly first_seen: number;
  /**
   * event_time of the latest matching event, in milliseconds. (Avro timestamp-millis: a number of
   * milliseconds since the Unix epoch.)
   */
  readonly last_seen: number;
  /**
   * event_ids of the triggering events (a bounded sample, oldest first). (Avro uuid: lowercase
   * text.)
   */
  readonly evidence_event_ids: readonly string[];
  /** MITRE ATT&CK technique ids of the rule, e.g. T1550.001. */
  readonly mitre_techniques: readonly string[];
  /** Whether this is the first alert or a follow-up. */
  readonly status: AlertStatus;
}

/**
 * A subject granted or withdrew consent for scopes of a client; header.client_id names the client,
 * header.subject_ref the subject.
 */
export interface ConsentChanged {
  /** Envelope shared by every event. */
  readonly header: EventHeader;
  /** Id of the consent record; TokenIssued.consent_ref points here. */
  readonly consent_ref: string;
  /** Scopes the change applies to. */
  readonly scope: readonly string[];
  /**
   * True: consent granted or extended. False: withdrawn; tokens relying on it are revoked
   * (CONSENT_WITHDRAWN).
   */
  readonly granted: boolean;
}

/** Why a token request was refused. UNKNOWN: reader fallback only. */
export type DenialReason = 'CLIENT_UNAUTHENTICATED' | 'GRANT_NOT_ALLOWED' | 'GRANT_UNSUPPORTED' | 'SCOPE_NOT_ALLOWED' | 'AUDIENCE_NOT_ALLOWED' | 'LIFETIME_EXCEEDED' | 'CONSENT_MISSING' | 'SUBJECT_ERASED' | 'REFRESH_INVALID' | 'REFRESH_EXPIRED' | 'REFRESH_REVOKED' | 'REFRESH_REUSED' | 'RATE_LIMITED' | 'KEY_UNAVAILABLE' | 'POLICY_VIOLATION' | 'UNKNOWN';

/**
 * OAuth 2.0 grant type of the token request. PASSWORD exists only to record refused requests.
 * UNKNOWN: any grant type this schema does not name.
 */
export type GrantType = 'AUTHORIZATION_CODE' | 'CLIENT_CREDENTIALS' | 'REFRESH_TOKEN' | 'TOKEN_EXCHANGE' | 'JWT_BEARER' | 'DEVICE_CODE' | 'PASSWORD' | 'UNKNOWN';

/** A token request was refused; nothing was signed. */
export interface IssuanceDenied {
  /** Envelope shared by every event. */
  readonly header: EventHeader;
  /** Stable reason code. */
  readonly reason: DenialReason;
  /**
   * Fixed human-readable explanation chosen by the producer; never contains claim values, secrets
   * or request bodies.
   */
  readonly detail: string;
  /** Grant type the client asked for; UNKNOWN when it named one this schema does not know. */
  readonly requested_grant: GrantType;
  /** Scopes the client asked for, split on spaces; empty when none. */
  readonly requested_scope: readonly string[];
  /** Audiences or resources (RFC 8707) the client asked for; empty when none. */
  readonly requested_audience: readonly string[];
  /** Lifetime the client asked for, in seconds; null when it asked for none. */
  readonly requested_lifetime_seconds: number | null;
}

/**
 * Key phases, in order. GENERATED: created, not yet in the JWKS. PUBLISHED: in the JWKS, not yet
 * signing. ACTIVATED: signs new tokens. RETIRED: neither signs nor validates any more. REVOKED:
 * withdrawn early (compromise); tokens it signed are refused. UNKNOWN: reader fallback only.
 */
export type KeyPhase = 'GENERATED' | 'PUBLISHED' | 'ACTIVATED' | 'RETIRED' | 'REVOKED' | 'UNKNOWN';

/**
 * Where the private key lives. SOFTWARE: encrypted at rest by the service. HSM: non-extractable,
 * used through PKCS#11. UNKNOWN: reader fallback only.
 */
export type KeyStorage = 'SOFTWARE' | 'HSM' | 'UNKNOWN';

/** A signing key changed phase. Keyed by kid on key-events. */
export interface KeyLifecycle {
  /** Envelope shared by every event. */
  readonly header: EventHeader;
  /** Key id, as published in the JWKS. */
  readonly kid: string;
  /** JWS algorithm the key signs with, e.g. ES256. */
  readonly alg: string;
  /** Phase the key entered. */
  readonly phase: KeyPhase;
  /**
   * When the key material was generated, in milliseconds; the key-age rule compares against it.
   * (Avro timestamp-millis: a number of milliseconds since the Unix epoch.)
   */
  readonly key_created_at: number;
  /** Where the private key lives. */
  readonly storage: KeyStorage;
  /**
   * RFC 7638 SHA-256 JWK thumbprint (base64url) of the public key, tying the kid to exact key
   * material.
   */
  readonly jwk_thumbprint: string;
}

/** A subject was erased (GDPR Art. 17). header.subject_ref is the erased subject's pseudonym. */
export interface SubjectErased {
  /** Envelope shared by every event. */
  readonly header: EventHeader;
  /** Tokens revoked by the erasure; each also has a TokenRevoked with reason SUBJECT_ERASED. */
  readonly tokens_revoked: number;
  /** Refresh families revoked by the erasure. */
  readonly families_revoked: number;
  /** Who requested the erasure: a client id, or "admin:" plus an operator pseudonym. */
  readonly requested_by: string;
  /**
   * Reference of the erasure request (e.g. ticket id) for the erasure log; null when none was
   * given.
   */
  readonly request_ref: string | null;
}

/**
 * What a token is for. UNKNOWN is only a reader fallback for symbols added later; writers never
 * send it.
 */
export type TokenKind = 'ACCESS' | 'REFRESH' | 'ID' | 'UNKNOWN';

/** A token was signed and handed to a client. */
export interface TokenIssued {
  /** Envelope shared by every event. */
  readonly header: EventHeader;
  /** JWT ID of the issued token; together with iss it is the token's identity. */
  readonly jti: string;
  /**
   * Lowercase hex SHA-256 of the compact serialization. Correlates sightings of the same bytes; not
   * an identity (signatures are malleable) and never reversible to the token.
   */
  readonly token_fingerprint: string;
  /** Issuer (iss) the token carries. */
  readonly iss: string;
  /** Access, refresh or ID token. */
  readonly token_kind: TokenKind;
  /** Audiences (aud) the token is valid for, in claim order. */
  readonly aud: readonly string[];
  /** Granted scopes (the scope claim split on spaces); empty when the token carries none. */
  readonly scope: readonly string[];
  /** Key id of the signing key. */
  readonly kid: string;
  /** JWS algorithm the token was signed with, e.g. ES256. */
  readonly alg: string;
  /**
   * iat of the token, in milliseconds (the claim's seconds times 1000). (Avro timestamp-millis: a
   * number of milliseconds since the Unix epoch.)
   */
  readonly issued_at: number;
  /**
   * exp of the token, in milliseconds. (Avro timestamp-millis: a number of milliseconds since the
   * Unix epoch.)
   */
  readonly expires_at: number;
  /** exp minus iat in seconds: the lifetime checked against the policy. */
  readonly lifetime_seconds: number;
  /** Grant type of the request that produced the token. */
  readonly grant_type: GrantType;
  /**
   * Refresh-token family: every token descending by rotation from one authorization grant. Null for
   * tokens outside any family.
   */
  readonly family_id: string | null;
  /**
   * jti of the refresh token this token was rotated from or minted with; null for tokens from an
   * initial grant.
   */
  readonly parent_jti: string | null;
  /**
   * Reference of the consent record that authorized the scopes; null when no consent was needed
   * (e.g. client credentials).
   */
  readonly consent_ref: string | null;
}

/**
 * Why a token was revoked. LOGOUT: the session ended. CLIENT_REQUEST: RFC 7009 revocation by the
 * owning client. ADMIN: an operator. REFRESH_REUSE: a rotated refresh token was presented again.
 * FAMILY_REVOKED: its refresh family was revoked. SUBJECT_ERASED: its subject was erased.
 * CONSENT_WITHDRAWN: the consent behind its scopes was withdrawn. KEY_COMPROMISE: its signing key
 * was revoked. UNKNOWN: reader fallback only.
 */
export type RevocationReason = 'LOGOUT' | 'CLIENT_REQUEST' | 'ADMIN' | 'REFRESH_REUSE' | 'FAMILY_REVOKED' | 'SUBJECT_ERASED' | 'CONSENT_WITHDRAWN' | 'KEY_COMPROMISE' | 'UNKNOWN';

/** A token stopped being valid before its expiry. Keyed by jti on the compacted revocations topic. */
export interface TokenRevoked {
  /** Envelope shared by every event. */
  readonly header: EventHeader;
  /** jti of the revoked token. */
  readonly jti: string;
  /** iss of the revoked token; (iss, jti) is what validators look up. */
  readonly iss: string;
  /** Kind of the revoked token. */
  readonly token_kind: TokenKind;
  /** Why the token was revoked. */
  readonly reason: RevocationReason;
  /**
   * True when revoked as a consequence of another revocation (family, erasure, a refresh token
   * taking its access tokens along, key compromise); false for the token named directly.
   */
  readonly cascade: boolean;
  /** Refresh family of the token; null when it belongs to none. */
  readonly family_id: string | null;
  /**
   * The revoked token's own exp, in milliseconds; after it the revocation entry can be forgotten.
   * (Avro timestamp-millis: a number of milliseconds since the Unix epoch.)
   */
  readonly expires_at: number;
  /**
   * Who asked: the calling client's id for RFC 7009, "admin:" plus an operator pseudonym for admin
   * actions, "system" for automatic cascades.
   */
  readonly revoked_by: string;
}

/**
 * The decision. VALID: accepted. INVALID: refused because of the token or its state (see reason).
 * ERROR: the validator could not decide (e.g. key store down) and refused. UNKNOWN: reader fallback
 * only.
 */
export type ValidationOutcome = 'VALID' | 'INVALID' | 'ERROR' | 'UNKNOWN';

/**
 * Stable reason code; OK exactly when outcome is VALID, INTERNAL_ERROR when it is ERROR. Signature
 * and algorithm: ALG_NONE (alg none in any spelling), ALG_NOT_ALLOWED (not exactly an allowed name,
 * downgrade, key confusion), KEY_UNKNOWN (kid not in our key set), KEY_RETIRED, KEY_REVOKED,
 * KEY_ALG_MISMATCH (alg differs from the key's), KID_INVALID (kid not a well-formed id),
 * SIGNATURE_INVALID, EMBEDDED_KEY (jwk, jku, x5u or x5c in the header), CRIT_UNSUPPORTED (unknown
 * crit, b64 false), MALFORMED (not a compact JWS of JSON objects). Claims: CLAIM_MISSING,
 * CLAIM_TYPE (wrong JSON type), CLAIM_INVALID (right type, refused value or shape), EXPIRED,
 * NOT_YET_VALID, IAT_FUTURE, LIFETIME_EXCEEDED, ISSUER_MISMATCH, AUDIENCE_MISMATCH, TYPE_MISMATCH
 * (typ not the expected token type), CLIENT_MISMATCH (token of another client). Size and
 * encryption: TOO_LARGE, JWE_REFUSED. State: REVOKED, SUBJECT_ERASED, REFRESH_REUSED. UNKNOWN:
 * reader fallback only.
 */
export type ValidationReason = 'OK' | 'ALG_NONE' | 'ALG_NOT_ALLOWED' | 'KEY_UNKNOWN' | 'KEY_RETIRED' | 'KEY_REVOKED' | 'KEY_ALG_MISMATCH' | 'KID_INVALID' | 'SIGNATURE_INVALID' | 'EMBEDDED_KEY' | 'CRIT_UNSUPPORTED' | 'MALFORMED' | 'CLAIM_MISSING' | 'CLAIM_TYPE' | 'CLAIM_INVALID' | 'EXPIRED' | 'NOT_YET_VALID' | 'IAT_FUTURE' | 'LIFETIME_EXCEEDED' | 'ISSUER_MISMATCH' | 'AUDIENCE_MISMATCH' | 'TYPE_MISMATCH' | 'CLIENT_MISMATCH' | 'TOO_LARGE' | 'JWE_REFUSED' | 'REVOKED' | 'SUBJECT_ERASED' | 'REFRESH_REUSED' | 'INTERNAL_ERROR' | 'UNKNOWN';

/**
 * A presented token was checked (token service, introspection or a resource-server guard); one
 * event per check.
 */
export interface TokenValidated {
  /** Envelope shared by every event. */
  readonly header: EventHeader;
  /**
   * jti as presented; null when the token was unreadable or had none. Unverified unless outcome is
   * VALID.
   */
  readonly jti: string | null;
  /** iss as presented; null when unreadable. Unverified unless outcome is VALID. */
  readonly iss: string | null;
  /**
   * Lowercase hex SHA-256 of the presented serialization, to correlate sightings of the same bytes;
   * null when nothing was presented or it was refused unread for size.
   */
  readonly token_fingerprint: string | null;
  /** Decision of this check. */
  readonly outcome: ValidationOutcome;
  /** Why the check ended as it did; the first failed check wins. */
  readonly reason: ValidationReason;
  /**
   * alg header as presented, verbatim even when not allowed; null when the header was unreadable or
   * had none.
   */
  readonly alg: string | null;
  /** kid header as presented; null when absent or unreadable. */
  readonly kid: string | null;
  /**
   * Component that checked the token: token-service, introspection, or the name of a
   * resource-server guard.
   */
  readonly validator: string;
  /**
   * Audience the validator required the token to carry; null when it pins none (introspection) or
   * stopped before the audience check.
   */
  readonly audience: string | null;
  /**
   * Resource server on whose behalf the token was checked (its client id for introspection, its
   * configured name for a guard); null when the token service checked for itself, and in events
   * written with v1. Added in v2.
   */
  readonly resource_server: string | null;
}

export const EVENT_TYPE_NAMES = ['Alert', 'ConsentChanged', 'IssuanceDenied', 'KeyLifecycle', 'SubjectErased', 'TokenIssued', 'TokenRevoked', 'TokenValidated'] as const;
/** Name of an event record type; the discriminant of TokenwardenEvent. */
export type EventTypeName = (typeof EVENT_TYPE_NAMES)[number];

/** The value type of each event type. */
export interface EventValueMap {
  Alert: Alert;
  ConsentChanged: ConsentChanged;
  IssuanceDenied: IssuanceDenied;
  KeyLifecycle: KeyLifecycle;
  SubjectErased: SubjectErased;
  TokenIssued: TokenIssued;
  TokenRevoked: TokenRevoked;
  TokenValidated: TokenValidated;
}

/** Symbols of every enum, in schema order. */
export const ENUM_SYMBOLS = {
  Severity: ['INFO', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL', 'UNKNOWN'],
  AlertStatus: ['OPEN', 'UPDATED', 'UNKNOWN'],
  DenialReason: ['CLIENT_UNAUTHENTICATED', 'GRANT_NOT_ALLOWED', 'GRANT_UNSUPPORTED', 'SCOPE_NOT_ALLOWED', 'AUDIENCE_NOT_ALLOWED', 'LIFETIME_EXCEEDED', 'CONSENT_MISSING', 'SUBJECT_ERASED', 'REFRESH_INVALID', 'REFRESH_EXPIRED', 'REFRESH_REVOKED', 'REFRESH_REUSED', 'RATE_LIMITED', 'KEY_UNAVAILABLE', 'POLICY_VIOLATION', 'UNKNOWN'],
  GrantType: ['AUTHORIZATION_CODE', 'CLIENT_CREDENTIALS', 'REFRESH_TOKEN', 'TOKEN_EXCHANGE', 'JWT_BEARER', 'DEVICE_CODE', 'PASSWORD', 'UNKNOWN'],
  KeyPhase: ['GENERATED', 'PUBLISHED', 'ACTIVATED', 'RETIRED', 'REVOKED', 'UNKNOWN'],
  KeyStorage: ['SOFTWARE', 'HSM', 'UNKNOWN'],
  TokenKind: ['ACCESS', 'REFRESH', 'ID', 'UNKNOWN'],
  RevocationReason: ['LOGOUT', 'CLIENT_REQUEST', 'ADMIN', 'REFRESH_REUSE', 'FAMILY_REVOKED', 'SUBJECT_ERASED', 'CONSENT_WITHDRAWN', 'KEY_COMPROMISE', 'UNKNOWN'],
  ValidationOutcome: ['VALID', 'INVALID', 'ERROR', 'UNKNOWN'],
  ValidationReason: ['OK', 'ALG_NONE', 'ALG_NOT_ALLOWED', 'KEY_UNKNOWN', 'KEY_RETIRED', 'KEY_REVOKED', 'KEY_ALG_MISMATCH', 'KID_INVALID', 'SIGNATURE_INVALID', 'EMBEDDED_KEY', 'CRIT_UNSUPPORTED', 'MALFORMED', 'CLAIM_MISSING', 'CLAIM_TYPE', 'CLAIM_INVALID', 'EXPIRED', 'NOT_YET_VALID', 'IAT_FUTURE', 'LIFETIME_EXCEEDED', 'ISSUER_MISMATCH', 'AUDIENCE_MISMATCH', 'TYPE_MISMATCH', 'CLIENT_MISMATCH', 'TOO_LARGE', 'JWE_REFUSED', 'REVOKED', 'SUBJECT_ERASED', 'REFRESH_REUSED', 'INTERNAL_ERROR', 'UNKNOWN'],
} as const;
