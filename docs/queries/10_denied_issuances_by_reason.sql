-- Denied issuances by reason and client in a period (count() is exact: issuance_denials
-- is deduplicated).
SELECT
    reason, client_id,
    count() AS denials,
    uniqExactIf(subject_ref, subject_ref != '') AS subjects,
    min(event_time) AS first_denial,
    max(event_time) AS last_denial
FROM {database}.issuance_denials
WHERE tenant_id = {tenant_id} AND event_time >= {since} AND event_time < {until}
GROUP BY reason, client_id
ORDER BY denials DESC, reason, client_id
