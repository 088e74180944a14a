-- The erasure log (GDPR Art. 17) with two checks per erasure: revocations recorded for the
-- subject with reason SUBJECT_ERASED, and whether any token was issued to the subject after it.
SELECT
    event_time AS erased_at, subject_ref, requested_by, request_ref, tokens_revoked, families_revoked,
    revocations_recorded,
    last_issued_at > event_time AS issued_after_erasure
FROM
(
    SELECT tenant_id, subject_ref, event_time, requested_by, request_ref, tokens_revoked, families_revoked
    FROM {database}.subject_erasures
    WHERE tenant_id = {tenant_id} AND event_time >= {since} AND event_time < {until}
) AS erasures
ANY LEFT JOIN
(
    SELECT
        tenant_id, subject_ref,
        uniqExactIf(iss, jti, event_type = 'TokenRevoked' AND reason = 'SUBJECT_ERASED') AS revocations_recorded,
        maxIf(event_time, event_type = 'TokenIssued') AS last_issued_at
    FROM {database}.token_events
    WHERE tenant_id = {tenant_id} AND event_type IN ('TokenRevoked', 'TokenIssued')
    GROUP BY tenant_id, subject_ref
) AS trail
USING (tenant_id, subject_ref)
ORDER BY erased_at, subject_ref
