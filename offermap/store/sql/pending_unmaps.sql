-- Pending unmap decisions of a connection with the mapping each would delete (if any).
SELECT
    d.decision_id, d.connection_id, d.offer_id, d.segment, d.term, d.billing_frequency,
    d.service_id AS requested_service_id, d.actor,
    m.service_id AS mapped_service_id
FROM decisions AS d
LEFT JOIN offer_mappings AS m
    ON m.connection_id = d.connection_id
    AND m.offer_id = d.offer_id
    AND m.segment = d.segment
    AND m.term = d.term
    AND m.billing_frequency = d.billing_frequency
WHERE d.connection_id = $connection_id
  AND d.state = 'pending'
  AND d.kind = 'unmap'
  AND ($decision_ids IS NULL OR list_contains($decision_ids, d.decision_id))
ORDER BY d.decision_id;
