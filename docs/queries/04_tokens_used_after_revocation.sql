-- Tokens presented after their revocation. accepted_after_revocation > 0 means a validator
-- accepted a revoked token (a broken revocation check); the rest are refused attempts.
-- "After" is strictly later: a check in the same second as the revocation is not counted.
SELECT
    iss, jti, subject_ref, client_id, revoked_at, revoke_reason,
    uniqExact(event_id) AS presentations_after_revocation,
    uniqExactIf(event_id, outcome = 'VALID') AS accepted_after_revocation,
    min(event_time) AS first_presented_after,
    max(event_time) AS last_presented_after,
    arraySort(groupUniqArrayIf(check_ip, check_ip != '')) AS ips
FROM
(
    SELECT tenant_id, iss, jti, event_id, event_time, outcome, ifNull(ip, '') AS check_ip
    FROM {database}.token_events
    WHERE tenant_id = {tenant_id} AND event_type = 'TokenValidated' AND jti != ''
      AND event_time >= {since} AND event_time < {until}
) AS checks
ALL INNER JOIN
(
    SELECT tenant_id, iss, jti, subject_ref, client_id, revoked_at, revoke_reason
    FROM {database}.token_lifecycle
    WHERE tenant_id = {tenant_id} AND revoked = 1
) AS revoked_tokens
USING (tenant_id, iss, jti)
WHERE event_time > revoked_at
GROUP BY iss, jti, subject_ref, client_id, revoked_at, revoke_reason
ORDER BY accepted_after_revocation DESC, last_presented_after DESC, jti
