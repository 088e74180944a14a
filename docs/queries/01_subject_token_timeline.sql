-- A subject's token timeline: every event about one subject in a period, oldest first.
SELECT event_time, event_type, client_id, ip, token_kind, jti, outcome, reason, lifetime_seconds, event_id
FROM {database}.token_events_v
WHERE tenant_id = {tenant_id} AND subject_ref = {subject_ref}
  AND event_time >= {since} AND event_time < {until}
ORDER BY event_time, event_id
