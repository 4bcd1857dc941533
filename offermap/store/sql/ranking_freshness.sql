-- When the connection's proposals were last made, and the variant's mapping at that moment:
-- the last applied map or unmap of the variant before then (NULL: never mapped). A variant
-- mapped at that moment was not ranked; an unmapped one was, and no stored row means the
-- matcher abstained for it.
SELECT
    p.proposed_at,
    p.run_id,
    (
        SELECT d.kind FROM decisions AS d
        WHERE d.connection_id = $connection_id
          AND d.offer_id = $offer_id
          AND d.segment = $segment
          AND d.term = $term
          AND d.billing_frequency = $billing_frequency
          AND d.kind IN ('approve', 'unmap')
          AND d.state = 'applied'
          AND d.resolved_at < p.proposed_at
        ORDER BY d.resolved_at DESC, d.decision_id DESC
        LIMIT 1
    ) AS change_before
FROM (
    SELECT max(created_at) AS proposed_at, max(run_id) AS run_id
    FROM proposals
    WHERE connection_id = $connection_id
) AS p;
