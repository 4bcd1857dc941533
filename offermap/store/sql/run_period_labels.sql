SELECT period_labels
FROM extract_runs
WHERE run_id = $run_id AND source = 'autotask';
