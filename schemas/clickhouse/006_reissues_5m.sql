-- Tokens issued per subject and per client in 5-minute event-time buckets,
-- materialized from TokenIssued (docs/analysts.md, "Reissue counts").
--
-- Counts are uniqExact states over event_id, so a redelivered TokenIssued
-- that reaches the view a second time changes nothing; the backfill may
-- overlap the view for the same reason. Summing a bucket column over
-- several buckets is exact: every event lies in exactly one bucket.
--
-- rotations: tokens minted from a refresh token (parent_jti set); the rest
-- came from an initial grant. Tokens without a subject (client credentials)
-- are left out of the per-subject table and kept in the per-client one.

CREATE TABLE IF NOT EXISTS {database}.subject_reissues_5m_state
(
    tenant_id     String,
    subject_ref   String,
    bucket_start  DateTime('UTC'),
    tokens_issued AggregateFunction(uniqExact, String),
    rotations     AggregateFunction(uniqExactIf, String, UInt8),
    clients       AggregateFunction(uniqExact, String)
)
ENGINE = AggregatingMergeTree()
PARTITION BY toYYYYMM(bucket_start)
ORDER BY (tenant_id, subject_ref, bucket_start);

CREATE MATERIALIZED VIEW IF NOT EXISTS {database}.subject_reissues_5m_mv
TO {database}.subject_reissues_5m_state
AS SELECT
    tenant_id, subject_ref, toStartOfFiveMinute(event_time) AS bucket_start,
    uniqExactState(event_id) AS tokens_issued,
    uniqExactIfState(event_id, parent_jti != '') AS rotations,
    uniqExactState(client_id) AS clients
FROM {database}.token_events
WHERE event_type = 'TokenIssued' AND subject_ref != ''
GROUP BY tenant_id, subject_ref, bucket_start;

INSERT INTO {database}.subject_reissues_5m_state
SELECT
    tenant_id, subject_ref, toStartOfFiveMinute(event_time) AS bucket_start,
    uniqExactState(event_id) AS tokens_issued,
    uniqExactIfState(event_id, parent_jti != '') AS rotations,
    uniqExactState(client_id) AS clients
FROM {database}.token_events
WHERE event_type = 'TokenIssued' AND subject_ref != ''
GROUP BY tenant_id, subject_ref, bucket_start;

CREATE VIEW IF NOT EXISTS {database}.subject_reissues_5m AS
SELECT
    tenant_id, subject_ref, bucket_start,
    uniqExactMerge(tokens_issued) AS tokens_issued,
    uniqExactIfMerge(rotations) AS rotations,
    uniqExactMerge(clients) AS clients
FROM {database}.subject_reissues_5m_state
GROUP BY tenant_id, subject_ref, bucket_start;

CREATE TABLE IF NOT EXISTS {database}.client_reissues_5m_state
(
    tenant_id     String,
    client_id     String,
    bucket_start  DateTime('UTC'),
    tokens_issued AggregateFunction(uniqExact, String),
    rotations     AggregateFunction(uniqExactIf, String, UInt8),
    subjects      AggregateFunction(uniqExactIf, String, UInt8)
)
ENGINE = AggregatingMergeTree()
PARTITION BY toYYYYMM(bucket_start)
ORDER BY (tenant_id, client_id, bucket_start);

CREATE MATERIALIZED VIEW IF NOT EXISTS {database}.client_reissues_5m_mv
TO {database}.client_reissues_5m_state
AS SELECT
    tenant_id, client_id, toStartOfFiveMinute(event_time) AS bucket_start,
    uniqExactState(event_id) AS tokens_issued,
    uniqExactIfState(event_id, parent_jti != '') AS rotations,
    uniqExactIfState(subject_ref, subject_ref != '') AS subjects
FROM {database}.token_events
WHERE event_type = 'TokenIssued'
GROUP BY tenant_id, client_id, bucket_start;

INSERT INTO {database}.client_reissues_5m_state
SELECT
    tenant_id, client_id, toStartOfFiveMinute(event_time) AS bucket_start,
    uniqExactState(event_id) AS tokens_issued,
    uniqExactIfState(event_id, parent_jti != '') AS rotations,
    uniqExactIfState(subject_ref, subject_ref != '') AS subjects
FROM {database}.token_events
WHERE event_type = 'TokenIssued'
GROUP BY tenant_id, client_id, bucket_start;

CREATE VIEW IF NOT EXISTS {database}.client_reissues_5m AS
SELECT
    tenant_id, client_id, bucket_start,
    uniqExactMerge(tokens_issued) AS tokens_issued,
    uniqExactIfMerge(rotations) AS rotations,
    uniqExactIfMerge(subjects) AS subjects
FROM {database}.client_reissues_5m_state
GROUP BY tenant_id, client_id, bucket_start;
