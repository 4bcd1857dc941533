-- Proposals still awaiting a decision: the variant is not mapped, the pair is not rejected
-- (a rejection undone no longer counts), and no approval for the variant is waiting to be
-- applied. Approvals applied earlier do not hide a pair: a variant unmapped since then is
-- proposed, and listed, again.
SELECT
    p.proposal_id, p.connection_id, p.offer_id, p.segment, p.term, p.billing_frequency,
    a.offer_name, a.provider_offer_id, a.offer_type, a.customers, a.seats,
    p.rank, p.service_id, s.name AS service_name, s.period_type_label, p.score, p.status,
    p.reasons, p.run_id, p.created_at
FROM proposals AS p
JOIN acquired_offers AS a
    ON a.connection_id = p.connection_id
    AND a.offer_id = p.offer_id
    AND a.segment = p.segment
    AND a.term = p.term
    AND a.billing_frequency = p.billing_frequency
LEFT JOIN at_services AS s
    ON s.connection_id = p.connection_id AND s.service_id = p.service_id
WHERE p.connection_id = $connection_id
  AND ($status IS NULL OR p.status = $status)
  AND NOT EXISTS (
      SELECT 1 FROM offer_mappings AS m
      WHERE m.connection_id = p.connection_id AND m.offer_id = p.offer_id
        AND m.segment = p.segment AND m.term = p.term
        AND m.billing_frequency = p.billing_frequency
  )
  AND NOT EXISTS (
      SELECT 1 FROM decisions AS d
      WHERE d.connection_id = p.connection_id AND d.offer_id = p.offer_id
        AND d.segment = p.segment AND d.term = p.term
        AND d.billing_frequency = p.billing_frequency
        AND (
            (d.kind = 'reject' AND d.state = 'recorded' AND d.service_id = p.service_id)
            OR (d.kind = 'approve' AND d.state = 'pending')
        )
  )
ORDER BY a.offer_name, p.segment, p.term, p.billing_frequency, p.rank;
