-- Keep the periodType labels an Autotask extraction read with its run (migration 007).
UPDATE extract_runs
SET period_labels = $labels
WHERE run_id = $run_id AND source = 'autotask';
