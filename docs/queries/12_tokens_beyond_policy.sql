-- Tokens issued with a lifetime beyond the policy for their kind (policy_limits_current).
SELECT event_time, token_kind, client_id, subject_ref, jti, lifetime_seconds, policy_limit_seconds
FROM {database}.tokens_beyond_policy
WHERE tenant_id = {tenant_id} AND event_time >= {since} AND event_time < {until}
ORDER BY event_time, jti
