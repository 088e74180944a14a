-- Evidence views for auditors and SOC analysts (docs/analysts.md, "Evidence").
--
-- Every count is uniqExact over event_id (or over (iss, jti) for tokens), so
-- it is exact whether or not ReplacingMergeTree has merged a redelivery yet;
-- aggregated views therefore read the base tables, per-event views read the
-- deduplicated *_v views of 004.
--
-- Type-specific event fields without a column of their own live in the
-- detail JSON object under their Avro field names (cascade, revoked_by,
-- tokens_revoked, requested_by, requested_grant, ...). ClickHouse 18.16 has
-- no JSONExtract*; visitParamExtract* reads flat JSON written without
-- spaces, which is what the projector writes, and returns ''/0 for an
-- absent key or a null value.

-- One row per signing key: when it entered each phase (NULL: never), its
-- current phase (the furthest reached: phases only move forward) and how
-- many key materials were published under the kid (more than 1 is a finding).
CREATE VIEW IF NOT EXISTS {database}.key_rotation_history AS
SELECT
    tenant_id, kid, alg, storage, key_created_at,
    if(generated > 0, generated_at_m, NULL) AS generated_at,
    if(published > 0, published_at_m, NULL) AS published_at,
    if(activated > 0, activated_at_m, NULL) AS activated_at,
    if(retired > 0, retired_at_m, NULL) AS retired_at,
    if(revoked > 0, revoked_at_m, NULL) AS revoked_at,
    multiIf(revoked > 0, 'REVOKED', retired > 0, 'RETIRED', activated > 0, 'ACTIVATED',
            published > 0, 'PUBLISHED', generated > 0, 'GENERATED', 'UNKNOWN') AS current_phase,
    thumbprints AS jwk_thumbprints,
    phase_events
FROM
(
    SELECT
        tenant_id, kid,
        any(alg) AS alg, any(storage) AS storage, min(key_created_at) AS key_created_at,
        arraySort(groupUniqArray(jwk_thumbprint)) AS thumbprints,
        uniqExact(event_id) AS phase_events,
        uniqExactIf(event_id, phase = 'GENERATED') AS generated,
        uniqExactIf(event_id, phase = 'PUBLISHED') AS published,
        uniqExactIf(event_id, phase = 'ACTIVATED') AS activated,
        uniqExactIf(event_id, phase = 'RETIRED') AS retired,
        uniqExactIf(event_id, phase = 'REVOKED') AS revoked,
        minIf(event_time, phase = 'GENERATED') AS generated_at_m,
        minIf(event_time, phase = 'PUBLISHED') AS published_at_m,
        minIf(event_time, phase = 'ACTIVATED') AS activated_at_m,
        minIf(event_time, phase = 'RETIRED') AS retired_at_m,
        minIf(event_time, phase = 'REVOKED') AS revoked_at_m
    FROM {database}.key_events
    GROUP BY tenant_id, kid
);

-- TokenIssued events whose lifetime exceeds the policy for their kind
-- (policy_limits: access_token_lifetime_seconds, refresh_token_lifetime_seconds).
-- ID tokens have no limit in the policy and never appear here.
CREATE VIEW IF NOT EXISTS {database}.tokens_beyond_policy AS
SELECT
    tenant_id, event_time, event_id, iss, jti, token_kind, subject_ref, client_id, kid, alg,
    issued_at, expires_at, lifetime_seconds, policy_limit_seconds
FROM
(
    SELECT
        tenant_id, event_time, event_id, iss, jti, token_kind, subject_ref, client_id, kid, alg,
        issued_at, expires_at, lifetime_seconds,
        multiIf(
            token_kind = 'ACCESS',
            (SELECT argMax(value, updated_at) FROM {database}.policy_limits WHERE name = 'access_token_lifetime_seconds'),
            token_kind = 'REFRESH',
            (SELECT argMax(value, updated_at) FROM {database}.policy_limits WHERE name = 'refresh_token_lifetime_seconds'),
            toUInt64(0)) AS policy_limit_seconds
    FROM {database}.token_events_v
    WHERE event_type = 'TokenIssued'
)
WHERE policy_limit_seconds > 0 AND ifNull(lifetime_seconds, 0) > policy_limit_seconds;

-- Revocations per UTC day. cascade = 1: revoked as a consequence of another
-- revocation (family, erasure, key compromise); 0: the token named directly.
CREATE VIEW IF NOT EXISTS {database}.revocations_by_reason AS
SELECT
    tenant_id, toDate(event_time) AS day, reason, token_kind,
    visitParamExtractBool(detail, 'cascade') AS cascade,
    uniqExact(event_id) AS revocations,
    uniqExact(iss, jti) AS tokens
FROM {database}.token_events
WHERE event_type = 'TokenRevoked'
GROUP BY tenant_id, day, reason, token_kind, cascade;

-- Failed validations (outcome INVALID or ERROR) per UTC day, client and reason.
-- tokens counts distinct (iss, jti) as presented; unreadable tokens have none.
CREATE VIEW IF NOT EXISTS {database}.validation_failures_by_reason AS
SELECT
    tenant_id, toDate(event_time) AS day, client_id, outcome, reason,
    uniqExact(event_id) AS failures,
    uniqExactIf(iss, jti, jti != '') AS tokens,
    uniqExact(ip) AS ips
FROM {database}.token_events
WHERE event_type = 'TokenValidated' AND outcome != 'VALID'
GROUP BY tenant_id, day, client_id, outcome, reason;

-- The erasure log (GDPR Art. 17): one row per SubjectErased event.
CREATE VIEW IF NOT EXISTS {database}.subject_erasures AS
SELECT
    tenant_id, event_time, event_id, subject_ref,
    visitParamExtractUInt(detail, 'tokens_revoked') AS tokens_revoked,
    visitParamExtractUInt(detail, 'families_revoked') AS families_revoked,
    visitParamExtractString(detail, 'requested_by') AS requested_by,
    visitParamExtractString(detail, 'request_ref') AS request_ref,
    producer_service, trace_id
FROM {database}.token_events_v
WHERE event_type = 'SubjectErased';

-- Refused token requests: one row per IssuanceDenied event. The projector
-- writes the requested scope, audience and lifetime into the shared scope,
-- aud and lifetime_seconds columns (a lifetime that does not fit UInt32 is
-- NULL there, exact in detail); the explanation is IssuanceDenied.detail.
CREATE VIEW IF NOT EXISTS {database}.issuance_denials AS
SELECT
    tenant_id, event_time, event_id, subject_ref, client_id, ip, reason,
    visitParamExtractString(detail, 'requested_grant') AS requested_grant,
    scope AS requested_scope,
    aud AS requested_audience,
    lifetime_seconds AS requested_lifetime_seconds,
    visitParamExtractString(detail, 'detail') AS explanation
FROM {database}.token_events_v
WHERE event_type = 'IssuanceDenied';
