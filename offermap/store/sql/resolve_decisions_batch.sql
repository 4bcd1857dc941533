-- Move many pending decisions on at once: `resolution_batch` (decision_id, state) is a
-- DataFrame registered by the caller. Only a pending decision moves on, as in resolve_decision.
UPDATE decisions
SET state = r.state, resolved_at = $now, resolved_run_id = $run_id
FROM resolution_batch AS r
WHERE decisions.decision_id = CAST(r.decision_id AS BIGINT) AND decisions.state = 'pending';
