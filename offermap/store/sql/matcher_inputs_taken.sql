-- Pairs the matcher must treat as settled: stored mappings, and approvals waiting for apply.
SELECT offer_id, segment, term, billing_frequency, service_id
FROM offer_mappings
WHERE connection_id = $connection_id
UNION ALL
SELECT offer_id, segment, term, billing_frequency, service_id
FROM decisions
WHERE connection_id = $connection_id AND kind = 'approve' AND state = 'pending';
