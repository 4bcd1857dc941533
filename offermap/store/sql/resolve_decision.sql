-- Only a pending decision moves on: a resolved one is never resolved again.
UPDATE decisions
SET state = $state, resolved_at = $now, resolved_run_id = $run_id
WHERE decision_id = $decision_id AND state = 'pending';
