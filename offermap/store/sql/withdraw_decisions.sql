-- Take decisions back: an approval or unmap still waiting for apply, or a rejection. Anything
-- already applied, refused or withdrawn stays as it is (the caller reports those).
UPDATE decisions
SET state = 'withdrawn', resolved_at = $now, resolved_run_id = $run_id
WHERE connection_id = $connection_id
  AND list_contains($decision_ids::BIGINT[], decision_id)
  AND (state = 'pending' OR (kind = 'reject' AND state = 'recorded'));
