-- Alerts by rule and severity for windows starting in a period, each alert in its latest version.
SELECT
    rule_id, severity,
    count() AS alerts,
    sum(count) AS matching_events,
    max(last_seen) AS latest_match,
    arraySort(groupUniqArray(group_key)) AS group_keys
FROM {database}.alerts_v
WHERE tenant_id = {tenant_id} AND window_start >= {since} AND window_start < {until}
GROUP BY rule_id, severity
ORDER BY alerts DESC, rule_id, severity
