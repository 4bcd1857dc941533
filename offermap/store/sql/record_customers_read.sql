-- How many customers a run's CloudCockpit extraction read and staged; publishing replaces the
-- connection's customer names only when this is set.
UPDATE extract_runs
SET customers = $customers
WHERE run_id = $run_id AND source = 'cloudcockpit';
