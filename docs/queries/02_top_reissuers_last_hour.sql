-- Who reissued most in the last hour: tokens issued per subject in the hour before {until}
-- (put now() there for "the last hour"), with the busiest 5-minute bucket.
SELECT
    subject_ref,
    sum(tokens_issued) AS issued_last_hour,
    sum(rotations) AS rotations_last_hour,
    max(tokens_issued) AS peak_5m
FROM {database}.subject_reissues_5m
WHERE tenant_id = {tenant_id}
  AND bucket_start >= {until} - INTERVAL 1 HOUR AND bucket_start < {until}
GROUP BY subject_ref
ORDER BY issued_last_hour DESC, subject_ref
LIMIT 10
