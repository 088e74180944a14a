-- Addresses with at least {min_failures} failed validations in a period (token guessing,
-- replay of garbage), with the reasons and clients involved.
SELECT
    ifNull(ip, '') AS source_ip,
    uniqExact(event_id) AS failed_checks,
    arraySort(groupUniqArray(reason)) AS reasons,
    arraySort(groupUniqArray(client_id)) AS clients,
    min(event_time) AS first_failure,
    max(event_time) AS last_failure
FROM {database}.token_events
WHERE tenant_id = {tenant_id} AND event_type = 'TokenValidated' AND outcome != 'VALID'
  AND event_time >= {since} AND event_time < {until}
GROUP BY source_ip
HAVING failed_checks >= {min_failures}
ORDER BY failed_checks DESC, source_ip
