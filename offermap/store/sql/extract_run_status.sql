SELECT source, status, records, requests, error
FROM extract_runs
WHERE run_id = $run_id
ORDER BY source;
