-- Start (or restart, when a task is retried) one source's extraction of a run; a restart
-- forgets what the earlier attempt recorded.
INSERT INTO extract_runs (run_id, connection_id, source, started_at, status, correlation_id)
VALUES ($run_id, $connection_id, $source, $now, 'running', $correlation_id)
ON CONFLICT (run_id, source) DO UPDATE SET
    started_at = excluded.started_at,
    correlation_id = excluded.correlation_id,
    status = 'running',
    finished_at = NULL,
    records = NULL,
    requests = NULL,
    error = NULL,
    period_labels = NULL,
    customers = NULL;
