-- A new sync of a connection supersedes any earlier run of it that never published
-- (crashed or failed): its staging rows are dropped and the run is marked failed.
UPDATE extract_runs
SET status = 'failed',
    finished_at = coalesce(finished_at, $now),
    error = coalesce(error, 'superseded by run ' || $run_id || ' before it was published')
WHERE connection_id = $connection_id
  AND run_id <> $run_id
  AND status IN ('running', 'landed');

DELETE FROM stg_at_services
WHERE connection_id = $connection_id AND run_id <> $run_id;

DELETE FROM stg_cc_subscriptions
WHERE connection_id = $connection_id AND run_id <> $run_id;

DELETE FROM stg_cc_customers
WHERE connection_id = $connection_id AND run_id <> $run_id;
