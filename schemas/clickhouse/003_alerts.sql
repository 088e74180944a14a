-- alerts: the current state of each incident raised by the detector.
--
-- An alert is updated by follow-up Alert events that keep its alert_id
-- (deterministic from rule, group key and window). The table keeps one row
-- per alert_id: ReplacingMergeTree(count) keeps, per alert_id, the row with
-- the highest count. count is the version because it is event-time data,
-- grows with every follow-up and is the same in a replay; a redelivered or
-- replayed older version therefore never overwrites a newer one (wall-clock
-- columns would). Equal counts are the same incident state, so whichever
-- row survives is correct.
--
-- Rows collapse only inside one partition, so the partition comes from
-- window_start, which every version of an alert shares (it is part of the
-- alert id). Until a merge runs, readers collapse with FINAL or
-- argMax(..., count) GROUP BY alert_id; the analyst views do that.
--
-- Conventions as in 001: String/DateTime('UTC') only, '' marks an absent
-- string, writers send every column.
CREATE TABLE IF NOT EXISTS {database}.alerts
(
    alert_id           String,
    event_id           String,                   -- header.event_id of the Alert event that wrote this version
    event_time         DateTime('UTC'),          -- when the detector emitted this version
    tenant_id          String,
    trace_id           String,
    session_id         Nullable(String),
    subject_ref        String,                   -- set when the rule groups by subject
    client_id          String,                   -- set when the rule groups by client
    ip                 Nullable(String),         -- set when the rule groups by ip
    producer_service   String,
    producer_instance  String,
    producer_version   String,
    rule_id            String,
    rule_version       UInt32,
    severity           String,                   -- INFO, LOW, MEDIUM, HIGH, CRITICAL
    title              String,
    group_key          String,
    window_start       DateTime('UTC'),
    window_end         DateTime('UTC'),
    threshold          UInt64,
    count              UInt64,                   -- matching events so far; the version column
    first_seen         DateTime('UTC'),
    last_seen          DateTime('UTC'),
    evidence_event_ids Array(String),
    mitre_techniques   Array(String),
    status             String,                   -- OPEN (first alert) or UPDATED (follow-up)
    detail             String,                   -- JSON object: fields of later schema versions without a column
    ingested_at        DateTime('UTC') DEFAULT now()
)
ENGINE = ReplacingMergeTree(count)
PARTITION BY toYYYYMM(window_start)
ORDER BY (alert_id);
