-- Audit rows, newest first, optionally filtered; a NULL filter matches everything.
SELECT
    audit_id, occurred_at, connection_id, operation, status, actor, offer_id, segment, term,
    billing_frequency, service_id, decision_id, details, run_id, correlation_id
FROM audit_log
WHERE ($connection_id IS NULL OR connection_id = $connection_id)
  AND ($operation IS NULL OR lower(operation) = lower($operation))
  AND ($status IS NULL OR lower(status) = lower($status))
  AND ($run_id IS NULL OR run_id = $run_id)
ORDER BY audit_id DESC
LIMIT $limit;
