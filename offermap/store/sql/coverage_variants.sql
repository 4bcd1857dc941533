-- Where each acquired variant of a connection stands in the review, one row per variant:
-- not_required / unsupported (the rules), mapped, pending (a proposal awaits a decision, or
-- an approval awaits apply) or abstained (unmapped with nothing left to decide on: the
-- matcher found no good enough service, or every proposal was rejected).
WITH open_proposed AS (
    SELECT p.connection_id, p.offer_id, p.segment, p.term, p.billing_frequency,
           max(p.score) AS best_score
    FROM proposals AS p
    WHERE p.connection_id = $connection_id
      AND p.status = 'proposed'
      AND NOT EXISTS (
          SELECT 1 FROM decisions AS d
          WHERE d.connection_id = p.connection_id AND d.offer_id = p.offer_id
            AND d.segment = p.segment AND d.term = p.term
            AND d.billing_frequency = p.billing_frequency AND d.service_id = p.service_id
      )
    GROUP BY ALL
),
awaiting_apply AS (
    SELECT DISTINCT connection_id, offer_id, segment, term, billing_frequency
    FROM decisions
    WHERE connection_id = $connection_id AND kind = 'approve' AND state = 'pending'
)
SELECT
    s.connection_id, s.offer_id, s.segment, s.term, s.billing_frequency, s.provider_offer_id,
    s.offer_name, s.offer_type, s.customers, s.subscriptions, s.seats,
    CASE
        WHEN s.mapping_status <> 'unmapped' THEN s.mapping_status
        WHEN w.offer_id IS NOT NULL OR o.offer_id IS NOT NULL THEN 'pending'
        ELSE 'abstained'
    END AS coverage,
    s.support_rule,
    s.support_reason,
    s.mapped_service_id,
    o.best_score AS best_open_score,
    w.offer_id IS NOT NULL AS awaiting_apply
FROM acquired_offer_status AS s
LEFT JOIN open_proposed AS o
    ON o.connection_id = s.connection_id AND o.offer_id = s.offer_id
    AND o.segment = s.segment AND o.term = s.term
    AND o.billing_frequency = s.billing_frequency
LEFT JOIN awaiting_apply AS w
    ON w.connection_id = s.connection_id AND w.offer_id = s.offer_id
    AND w.segment = s.segment AND w.term = s.term
    AND w.billing_frequency = s.billing_frequency
WHERE s.connection_id = $connection_id
ORDER BY s.offer_name, s.segment, s.term, s.billing_frequency;
