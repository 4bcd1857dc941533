-- The snapshots drift is measured against: each source's latest published extraction.
SELECT source, run_id, started_at, finished_at, records, requests, correlation_id
FROM extract_runs
WHERE connection_id = $connection_id AND status = 'published'
QUALIFY row_number() OVER (PARTITION BY source ORDER BY finished_at DESC, run_id DESC) = 1
ORDER BY source;
