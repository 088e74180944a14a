-- One token's whole life, by its identity (iss, jti).
SELECT
    issued, issued_at, expires_at, token_kind, subject_ref, client_id, kid, lifetime_seconds,
    validations, valid_validations, first_validated_at, last_validated_at, last_valid_at,
    failures, failures_by_reason, validation_ips,
    revoked, revoked_at, revoke_reason, valid_after_revocation
FROM {database}.token_lifecycle
WHERE tenant_id = {tenant_id} AND iss = {iss} AND jti = {jti}
