-- Analyst read model, part 1: deduplicated views of the three event tables
-- and the policy limits the evidence views compare against (docs/analysts.md).
--
-- Why views: ReplacingMergeTree collapses a redelivered event only when a
-- background merge runs, so until then a plain count() over token_events
-- counts a redelivery twice. Each *_v view reads its table with FINAL, which
-- collapses rows with an equal sort key at read time; the sort keys end in
-- event_id (alert_id for alerts), so through these views count() equals
-- uniqExact(event_id) and analysts never write FINAL themselves.
--
-- ClickHouse 18.16: a view is its SELECT text, re-run on every read, and 18.16
-- does not push an outer WHERE into it (enable_optimize_predicate_expression
-- is 0 there and the read-only analyst profile may not change it). A filtered
-- query over *_v therefore reads the whole table; the materialized views of
-- 005 and 006 exist so that frequent questions avoid that.

CREATE VIEW IF NOT EXISTS {database}.token_events_v AS
SELECT
    event_id, event_type, event_time, tenant_id, trace_id, session_id, subject_ref, client_id, ip,
    producer_service, producer_instance, producer_version,
    jti, iss, token_kind, outcome, reason, alg, kid, aud, scope, issued_at, expires_at,
    family_id, parent_jti, lifetime_seconds, detail, ingested_at
FROM {database}.token_events FINAL;

CREATE VIEW IF NOT EXISTS {database}.key_events_v AS
SELECT
    event_id, event_time, tenant_id, trace_id, session_id, subject_ref, client_id, ip,
    producer_service, producer_instance, producer_version,
    kid, alg, phase, key_created_at, storage, jwk_thumbprint, detail, ingested_at
FROM {database}.key_events FINAL;

-- One row per alert_id: the version with the highest count (see 003).
CREATE VIEW IF NOT EXISTS {database}.alerts_v AS
SELECT
    alert_id, event_id, event_time, tenant_id, trace_id, session_id, subject_ref, client_id, ip,
    producer_service, producer_instance, producer_version,
    rule_id, rule_version, severity, title, group_key, window_start, window_end, threshold, count,
    first_seen, last_seen, evidence_event_ids, mitre_techniques, status, detail, ingested_at
FROM {database}.alerts FINAL;

-- Policy values the evidence views compare against. ClickHouse cannot read
-- config/policy.json, so the retention job (scripts/retention.ts) writes the
-- current values here on every run, and anything that owns the policy may
-- insert a newer row. A newer updated_at wins; nothing is ever updated in
-- place. The seed rows carry updated_at 1970-01-01 00:00:01 so any real
-- write wins (not 0: 18.16 prints DateTime 0 as 0000-00-00 00:00:00).
--   access_token_lifetime_seconds   1800: the hard ceiling of libs/policy
--                                   (HARD_MAX_ACCESS_TOKEN_LIFETIME_SECONDS),
--                                   never looser than any valid policy file
--   refresh_token_lifetime_seconds  1209600 (14 days, the policy default)
--   key_rotation_days               90
--   retention_days                  400
CREATE TABLE IF NOT EXISTS {database}.policy_limits
(
    name       String,
    value      UInt64,
    source     String,            -- who wrote the value: a policyVersion or the migration seed
    updated_at DateTime('UTC')
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY name;

-- Re-running this statement (after a failed later statement) adds rows with
-- the same key and version: the view below and merges collapse them.
INSERT INTO {database}.policy_limits (name, value, source, updated_at)
SELECT 'access_token_lifetime_seconds', toUInt64(1800), 'seed: migration 004', toDateTime(1, 'UTC')
UNION ALL SELECT 'refresh_token_lifetime_seconds', toUInt64(1209600), 'seed: migration 004', toDateTime(1, 'UTC')
UNION ALL SELECT 'key_rotation_days', toUInt64(90), 'seed: migration 004', toDateTime(1, 'UTC')
UNION ALL SELECT 'retention_days', toUInt64(400), 'seed: migration 004', toDateTime(1, 'UTC');

-- Aliases are renamed inside: an alias equal to a column name (max(updated_at)
-- AS updated_at) would be substituted into the other aggregates' arguments.
CREATE VIEW IF NOT EXISTS {database}.policy_limits_current AS
SELECT name, latest_value AS value, latest_source AS source, latest_update AS updated_at
FROM
(
    SELECT
        name,
        argMax(value, updated_at) AS latest_value,
        argMax(source, updated_at) AS latest_source,
        max(updated_at) AS latest_update
    FROM {database}.policy_limits
    GROUP BY name
);
