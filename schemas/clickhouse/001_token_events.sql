-- token_events: one wide row per token lifecycle event (DESIGN.md, "ClickHouse model").
--
-- Portable to ClickHouse 18.16 and current releases:
--   * String instead of LowCardinality(String): 18.16 refuses LowCardinality
--     unless an experimental setting is on.
--   * String instead of UUID for event_id: it is text in the Avro header and
--     compares and joins like every other id here.
--   * DateTime('UTC'), not DateTime64 (absent in 18.16): second precision, and
--     text values, toYYYYMM and toStartOfHour all use UTC whatever the
--     server's time zone, so monthly partitions are UTC months.
--   * '' marks an absent string; Nullable only where absent differs from empty
--     and the column stays out of the sort key (18.16 forbids Nullable there).
--   * 18.16 JSONEachRow does not apply DEFAULT to omitted fields: writers send
--     every column, ingested_at included. The DEFAULT serves literal INSERTs.
--
-- The sort key ends in event_id, so a redelivered event (same id, same header)
-- has the same key and ReplacingMergeTree collapses it. Before it: what
-- analysts filter by — tenant, then event type, then time (hour buckets keep
-- subject_ref useful inside a time range). Lookups by jti scan a tenant's
-- range here; the per-token lifecycle view of a later migration serves them.
CREATE TABLE IF NOT EXISTS {database}.token_events
(
    event_id          String,
    event_type        String,                    -- Avro record name: TokenIssued, TokenValidated, ...
    event_time        DateTime('UTC'),
    tenant_id         String,
    trace_id          String,
    session_id        Nullable(String),
    subject_ref       String,                    -- HMAC pseudonym, never the subject itself
    client_id         String,
    ip                Nullable(String),
    producer_service  String,
    producer_instance String,
    producer_version  String,
    jti               String,
    iss               String,
    token_kind        String,                    -- access, refresh, ...
    outcome           String,                    -- TokenValidated outcome
    reason            String,                    -- validation failure, revocation or denial reason
    alg               String,
    kid               String,
    aud               Array(String),
    scope             Array(String),
    issued_at         Nullable(DateTime('UTC')),
    expires_at        Nullable(DateTime('UTC')),
    family_id         String,                    -- refresh-token rotation family
    parent_jti        String,                    -- the refresh token this one replaced
    lifetime_seconds  Nullable(UInt32),
    detail            String,                    -- JSON object: type-specific fields without a column
    ingested_at       DateTime('UTC') DEFAULT now()
)
ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(event_time)
ORDER BY (tenant_id, event_type, toStartOfHour(event_time), subject_ref, event_id);
