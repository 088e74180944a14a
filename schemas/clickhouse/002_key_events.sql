-- key_events: one row per signing-key phase change (KeyLifecycle on key-events).
--
-- Same conventions as token_events (see 001): String/DateTime('UTC') only,
-- '' marks an absent string, Nullable only outside the sort key, and writers
-- send every column (18.16 JSONEachRow ignores DEFAULT).
--
-- Header columns match token_events so that the two tables join and union
-- without renames. The sort key ends in event_id, so a redelivered event
-- collapses onto itself; before it, what key-rotation queries filter by:
-- tenant, key id, then time (a key's history reads in phase order).
CREATE TABLE IF NOT EXISTS {database}.key_events
(
    event_id          String,
    event_time        DateTime('UTC'),
    tenant_id         String,
    trace_id          String,
    session_id        Nullable(String),
    subject_ref       String,
    client_id         String,
    ip                Nullable(String),
    producer_service  String,
    producer_instance String,
    producer_version  String,
    kid               String,                    -- key id, as published in the JWKS
    alg               String,                    -- JWS algorithm the key signs with
    phase             String,                    -- KeyPhase: GENERATED, PUBLISHED, ACTIVATED, RETIRED, REVOKED
    key_created_at    DateTime('UTC'),           -- when the key material was generated (key-age rule)
    storage           String,                    -- KeyStorage: SOFTWARE, HSM
    jwk_thumbprint    String,                    -- RFC 7638 thumbprint of the public key
    detail            String,                    -- JSON object: fields of later schema versions without a column
    ingested_at       DateTime('UTC') DEFAULT now()
)
ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(event_time)
ORDER BY (tenant_id, kid, event_time, event_id);
