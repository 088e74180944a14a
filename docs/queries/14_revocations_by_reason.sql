-- Revocations by reason over whole UTC days from {since} to {until} (evidence for auditors).
SELECT reason, cascade, sum(revocations) AS revocations_in_period, sum(tokens) AS tokens_in_period
FROM {database}.revocations_by_reason
WHERE tenant_id = {tenant_id} AND day >= toDate({since}) AND day < toDate({until})
GROUP BY reason, cascade
ORDER BY revocations_in_period DESC, reason, cascade
