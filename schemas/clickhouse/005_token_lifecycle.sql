-- Per-token lifecycle, materialized: one token's issuance, validations and
-- revocation without scanning token_events (docs/analysts.md).
--
-- A materialized view sees every insert, redeliveries included, so each
-- column is an aggregate that a duplicate cannot change: counts are
-- uniqExact states over event_id, times are min/max, attributes come from
-- the one TokenIssued event (any, argMin). For the same reason the backfill
-- below may overlap rows the view already saw.
--
-- Key: (tenant_id, iss, jti), the token's identity (DESIGN.md: never its
-- string or hash). Validation events carry iss and jti as presented and
-- unverified: a token we never issued gets a row with issued = 0, which is
-- itself a finding. Events without a jti (unreadable tokens) are left out.
--
-- Partitioned by the UTC month of the events, like token_events, so the
-- retention job drops both together; a token whose events span two months
-- has a state row in each and the token_lifecycle view merges them.
CREATE TABLE IF NOT EXISTS {database}.token_lifecycle_state
(
    tenant_id         String,
    iss               String,
    jti               String,
    month             UInt32,                                                -- toYYYYMM(event_time)
    issued_at         AggregateFunction(minIf, DateTime('UTC'), UInt8),
    expires_at        AggregateFunction(maxIf, DateTime('UTC'), UInt8),
    token_kind        AggregateFunction(anyIf, String, UInt8),
    subject_ref       AggregateFunction(anyIf, String, UInt8),
    client_id         AggregateFunction(anyIf, String, UInt8),
    kid               AggregateFunction(anyIf, String, UInt8),
    alg               AggregateFunction(anyIf, String, UInt8),
    family_id         AggregateFunction(anyIf, String, UInt8),
    parent_jti        AggregateFunction(anyIf, String, UInt8),
    lifetime_seconds  AggregateFunction(maxIf, UInt32, UInt8),
    issuances         AggregateFunction(uniqExactIf, String, UInt8),
    first_validated_at AggregateFunction(minIf, DateTime('UTC'), UInt8),
    last_validated_at AggregateFunction(maxIf, DateTime('UTC'), UInt8),
    validations       AggregateFunction(uniqExactIf, String, UInt8),
    valid_validations AggregateFunction(uniqExactIf, String, UInt8),
    last_valid_at     AggregateFunction(maxIf, DateTime('UTC'), UInt8),
    failures          AggregateFunction(uniqExactIf, String, UInt8),
    failure_events    AggregateFunction(groupUniqArrayIf, Tuple(String, String), UInt8),  -- (reason, event_id)
    validation_ips    AggregateFunction(groupUniqArrayIf, String, UInt8),
    revoked_at        AggregateFunction(minIf, DateTime('UTC'), UInt8),
    revoke_reason     AggregateFunction(argMinIf, String, DateTime('UTC'), UInt8),
    revocations       AggregateFunction(uniqExactIf, String, UInt8)
)
ENGINE = AggregatingMergeTree()
PARTITION BY month
ORDER BY (tenant_id, iss, jti);

CREATE MATERIALIZED VIEW IF NOT EXISTS {database}.token_lifecycle_mv
TO {database}.token_lifecycle_state
AS SELECT
    tenant_id, iss, jti, toYYYYMM(event_time) AS month,
    minIfState(event_time, event_type = 'TokenIssued') AS issued_at,
    maxIfState(ifNull(expires_at, toDateTime(0, 'UTC')), event_type = 'TokenIssued') AS expires_at,
    anyIfState(token_kind, event_type = 'TokenIssued') AS token_kind,
    anyIfState(subject_ref, event_type = 'TokenIssued') AS subject_ref,
    anyIfState(client_id, event_type = 'TokenIssued') AS client_id,
    anyIfState(kid, event_type = 'TokenIssued') AS kid,
    anyIfState(alg, event_type = 'TokenIssued') AS alg,
    anyIfState(family_id, event_type = 'TokenIssued') AS family_id,
    anyIfState(parent_jti, event_type = 'TokenIssued') AS parent_jti,
    maxIfState(ifNull(lifetime_seconds, toUInt32(0)), event_type = 'TokenIssued') AS lifetime_seconds,
    uniqExactIfState(event_id, event_type = 'TokenIssued') AS issuances,
    minIfState(event_time, event_type = 'TokenValidated') AS first_validated_at,
    maxIfState(event_time, event_type = 'TokenValidated') AS last_validated_at,
    uniqExactIfState(event_id, event_type = 'TokenValidated') AS validations,
    uniqExactIfState(event_id, event_type = 'TokenValidated' AND outcome = 'VALID') AS valid_validations,
    maxIfState(event_time, event_type = 'TokenValidated' AND outcome = 'VALID') AS last_valid_at,
    uniqExactIfState(event_id, event_type = 'TokenValidated' AND outcome != 'VALID') AS failures,
    groupUniqArrayIfState((reason, event_id), event_type = 'TokenValidated' AND outcome != 'VALID') AS failure_events,
    groupUniqArrayIfState(ifNull(ip, ''), event_type = 'TokenValidated' AND isNotNull(ip)) AS validation_ips,
    minIfState(event_time, event_type = 'TokenRevoked') AS revoked_at,
    argMinIfState(reason, event_time, event_type = 'TokenRevoked') AS revoke_reason,
    uniqExactIfState(event_id, event_type = 'TokenRevoked') AS revocations
FROM {database}.token_events
WHERE jti != '' AND event_type IN ('TokenIssued', 'TokenValidated', 'TokenRevoked')
GROUP BY tenant_id, iss, jti, month;

-- Backfill: events stored before the view existed. Same SELECT as the view.
INSERT INTO {database}.token_lifecycle_state
SELECT
    tenant_id, iss, jti, toYYYYMM(event_time) AS month,
    minIfState(event_time, event_type = 'TokenIssued') AS issued_at,
    maxIfState(ifNull(expires_at, toDateTime(0, 'UTC')), event_type = 'TokenIssued') AS expires_at,
    anyIfState(token_kind, event_type = 'TokenIssued') AS token_kind,
    anyIfState(subject_ref, event_type = 'TokenIssued') AS subject_ref,
    anyIfState(client_id, event_type = 'TokenIssued') AS client_id,
    anyIfState(kid, event_type = 'TokenIssued') AS kid,
    anyIfState(alg, event_type = 'TokenIssued') AS alg,
    anyIfState(family_id, event_type = 'TokenIssued') AS family_id,
    anyIfState(parent_jti, event_type = 'TokenIssued') AS parent_jti,
    maxIfState(ifNull(lifetime_seconds, toUInt32(0)), event_type = 'TokenIssued') AS lifetime_seconds,
    uniqExactIfState(event_id, event_type = 'TokenIssued') AS issuances,
    minIfState(event_time, event_type = 'TokenValidated') AS first_validated_at,
    maxIfState(event_time, event_type = 'TokenValidated') AS last_validated_at,
    uniqExactIfState(event_id, event_type = 'TokenValidated') AS validations,
    uniqExactIfState(event_id, event_type = 'TokenValidated' AND outcome = 'VALID') AS valid_validations,
    maxIfState(event_time, event_type = 'TokenValidated' AND outcome = 'VALID') AS last_valid_at,
    uniqExactIfState(event_id, event_type = 'TokenValidated' AND outcome != 'VALID') AS failures,
    groupUniqArrayIfState((reason, event_id), event_type = 'TokenValidated' AND outcome != 'VALID') AS failure_events,
    groupUniqArrayIfState(ifNull(ip, ''), event_type = 'TokenValidated' AND isNotNull(ip)) AS validation_ips,
    minIfState(event_time, event_type = 'TokenRevoked') AS revoked_at,
    argMinIfState(reason, event_time, event_type = 'TokenRevoked') AS revoke_reason,
    uniqExactIfState(event_id, event_type = 'TokenRevoked') AS revocations
FROM {database}.token_events
WHERE jti != '' AND event_type IN ('TokenIssued', 'TokenValidated', 'TokenRevoked')
GROUP BY tenant_id, iss, jti, month;

-- What analysts read: one row per token, states merged, absent facts NULL
-- (an empty minIf would read as 1970-01-01, which 18.16 prints as
-- 0000-00-00 00:00:00). expires_at is also NULL when the projector could not
-- store it (past 2106: NULL column, exact value in detail). failures_by_reason is
-- [(reason, failed checks)] sorted by reason; validation_ips sorted.
CREATE VIEW IF NOT EXISTS {database}.token_lifecycle AS
SELECT
    tenant_id, iss, jti,
    issuances > 0 AS issued,
    if(issuances > 0, issued_at_m, NULL) AS issued_at,
    if(issuances > 0 AND toUnixTimestamp(expires_at_m) > 0, expires_at_m, NULL) AS expires_at,
    token_kind_m AS token_kind, subject_ref_m AS subject_ref, client_id_m AS client_id,
    kid_m AS kid, alg_m AS alg, family_id_m AS family_id, parent_jti_m AS parent_jti,
    if(issuances > 0, lifetime_seconds_m, NULL) AS lifetime_seconds,
    validations,
    if(validations > 0, first_validated_at_m, NULL) AS first_validated_at,
    if(validations > 0, last_validated_at_m, NULL) AS last_validated_at,
    valid_validations,
    if(valid_validations > 0, last_valid_at_m, NULL) AS last_valid_at,
    failures,
    arrayMap(r -> (r, toUInt64(countEqual(failure_reasons_all, r))), arraySort(arrayDistinct(failure_reasons_all))) AS failures_by_reason,
    arraySort(validation_ips_m) AS validation_ips,
    toUInt64(length(validation_ips_m)) AS validation_ip_count,
    revocations > 0 AS revoked,
    if(revocations > 0, revoked_at_m, NULL) AS revoked_at,
    if(revocations > 0, revoke_reason_m, NULL) AS revoke_reason,
    revocations > 0 AND valid_validations > 0 AND last_valid_at_m > revoked_at_m AS valid_after_revocation
FROM
(
    SELECT
        tenant_id, iss, jti,
        minIfMerge(issued_at) AS issued_at_m,
        maxIfMerge(expires_at) AS expires_at_m,
        anyIfMerge(token_kind) AS token_kind_m,
        anyIfMerge(subject_ref) AS subject_ref_m,
        anyIfMerge(client_id) AS client_id_m,
        anyIfMerge(kid) AS kid_m,
        anyIfMerge(alg) AS alg_m,
        anyIfMerge(family_id) AS family_id_m,
        anyIfMerge(parent_jti) AS parent_jti_m,
        maxIfMerge(lifetime_seconds) AS lifetime_seconds_m,
        uniqExactIfMerge(issuances) AS issuances,
        minIfMerge(first_validated_at) AS first_validated_at_m,
        maxIfMerge(last_validated_at) AS last_validated_at_m,
        uniqExactIfMerge(validations) AS validations,
        uniqExactIfMerge(valid_validations) AS valid_validations,
        maxIfMerge(last_valid_at) AS last_valid_at_m,
        uniqExactIfMerge(failures) AS failures,
        arrayMap(f -> f.1, groupUniqArrayIfMerge(failure_events)) AS failure_reasons_all,
        groupUniqArrayIfMerge(validation_ips) AS validation_ips_m,
        minIfMerge(revoked_at) AS revoked_at_m,
        argMinIfMerge(revoke_reason) AS revoke_reason_m,
        uniqExactIfMerge(revocations) AS revocations
    FROM {database}.token_lifecycle_state
    GROUP BY tenant_id, iss, jti
);
