-- Reissue bursts by client: 5-minute buckets in which one client got at least {min_tokens} tokens.
SELECT client_id, bucket_start, tokens_issued, rotations, subjects
FROM {database}.client_reissues_5m
WHERE tenant_id = {tenant_id}
  AND bucket_start >= {since} AND bucket_start < {until}
  AND tokens_issued >= {min_tokens}
ORDER BY tokens_issued DESC, client_id, bucket_start
