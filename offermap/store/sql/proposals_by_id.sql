SELECT
    p.proposal_id, p.connection_id, p.offer_id, p.segment, p.term, p.billing_frequency,
    p.rank, p.service_id, p.score, p.status
FROM proposals AS p
WHERE p.connection_id = $connection_id
  AND list_contains($proposal_ids, p.proposal_id);
