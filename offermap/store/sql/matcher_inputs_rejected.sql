-- Pairs rejected for good: a rejection that was undone (withdrawn) no longer counts.
SELECT DISTINCT offer_id, segment, term, billing_frequency, service_id
FROM decisions
WHERE connection_id = $connection_id AND kind = 'reject' AND state = 'recorded';
