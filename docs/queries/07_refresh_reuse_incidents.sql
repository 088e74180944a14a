-- Refresh-token reuse incidents: families revoked because a rotated refresh token was
-- presented again. reused_jtis are the tokens named directly (cascade false).
SELECT
    family_id,
    min(event_time) AS detected_at,
    any(subject_ref) AS subject,
    any(client_id) AS client,
    arraySort(groupUniqArrayIf(jti, visitParamExtractBool(detail, 'cascade') = 0)) AS reused_jtis,
    uniqExact(iss, jti) AS tokens_revoked
FROM {database}.token_events
WHERE tenant_id = {tenant_id} AND event_type = 'TokenRevoked' AND reason = 'REFRESH_REUSE'
  AND event_time >= {since} AND event_time < {until}
GROUP BY family_id
ORDER BY detected_at, family_id
