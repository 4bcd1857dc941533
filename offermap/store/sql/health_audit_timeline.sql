-- Audit rows of a connection counted per time bucket, operation and status. $bucket is a
-- date_trunc part ('hour', 'day', 'week', 'month'), checked by offermap.health; buckets are
-- read in UTC so that a chart does not depend on the reader's time zone.
SELECT
    date_trunc($bucket, timezone('UTC', occurred_at)) AS bucket,
    operation,
    status,
    count(*) AS operations
FROM audit_log
WHERE connection_id = $connection_id
  AND ($since IS NULL OR occurred_at >= $since)
GROUP BY ALL
ORDER BY bucket, operation, status;
