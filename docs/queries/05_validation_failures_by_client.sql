-- Validation failures by client and reason in a period. Reads token_events with uniqExact
-- rather than summing the daily view, so tokens and ips are distinct over the whole period.
-- client_id '' is an unreadable token: no client could be named.
SELECT
    client_id, reason,
    uniqExact(event_id) AS failed_checks,
    uniqExactIf(iss, jti, jti != '') AS tokens,
    uniqExact(ip) AS ips,
    min(event_time) AS first_failure,
    max(event_time) AS last_failure
FROM {database}.token_events
WHERE tenant_id = {tenant_id} AND event_type = 'TokenValidated' AND outcome != 'VALID'
  AND event_time >= {since} AND event_time < {until}
GROUP BY client_id, reason
ORDER BY failed_checks DESC, client_id, reason
