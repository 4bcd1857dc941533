UPDATE extract_runs
SET status = $status,
    finished_at = $now,
    records = $records,
    requests = $requests,
    error = $error
WHERE run_id = $run_id AND source = $source;
