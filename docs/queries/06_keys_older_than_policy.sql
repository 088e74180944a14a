-- Signing keys still published or signing at {as_of} whose material is older than the
-- policy's rotation period (policy_limits: key_rotation_days).
SELECT
    kid, alg, storage, current_phase, key_created_at, activated_at,
    intDiv(toUnixTimestamp({as_of}) - toUnixTimestamp(key_created_at), 86400) AS age_days,
    (SELECT value FROM {database}.policy_limits_current WHERE name = 'key_rotation_days') AS max_age_days
FROM {database}.key_rotation_history
WHERE tenant_id = {tenant_id} AND current_phase IN ('PUBLISHED', 'ACTIVATED')
  AND age_days > max_age_days
ORDER BY age_days DESC, kid
