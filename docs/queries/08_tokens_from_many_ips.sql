-- Tokens validated from at least {min_ips} different addresses (stolen-token replay),
-- among tokens last validated since {since}.
SELECT
    iss, jti, subject_ref, client_id, token_kind,
    validation_ip_count, validation_ips, validations, first_validated_at, last_validated_at
FROM {database}.token_lifecycle
WHERE tenant_id = {tenant_id} AND validation_ip_count >= {min_ips} AND last_validated_at >= {since}
ORDER BY validation_ip_count DESC, jti
