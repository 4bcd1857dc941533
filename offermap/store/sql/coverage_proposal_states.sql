-- What became of the proposals an analyst names by id, one row per id asked for: the proposal
-- (when the latest propose still holds it), the latest decision taken on that id or on its
-- pair (an earlier sync may have proposed the same pair under another id; a decision taken
-- back, state 'withdrawn', no longer counts), the approval waiting for apply on its variant,
-- and the variant's mapping. An id that neither the
-- proposals nor the decisions know comes back with every column but proposal_id NULL.
WITH wanted AS (
    SELECT DISTINCT unnest($proposal_ids::BIGINT[]) AS proposal_id
),
asked AS (
    SELECT w.proposal_id, p.offer_id, p.segment, p.term, p.billing_frequency, p.service_id,
           p.rank, p.score, p.status
    FROM wanted AS w
    LEFT JOIN proposals AS p
        ON p.proposal_id = w.proposal_id AND p.connection_id = $connection_id
),
decided AS (
    SELECT
        a.proposal_id, d.decision_id, d.kind, d.state, d.actor, d.decided_at, d.offer_id,
        d.segment, d.term, d.billing_frequency, d.service_id,
        row_number() OVER (PARTITION BY a.proposal_id ORDER BY d.decision_id DESC) AS nth
    FROM asked AS a
    JOIN decisions AS d
        ON d.connection_id = $connection_id
        AND d.state <> 'withdrawn'
        AND (
            d.proposal_id = a.proposal_id
            OR (
                d.offer_id = a.offer_id AND d.segment = a.segment AND d.term = a.term
                AND d.billing_frequency = a.billing_frequency AND d.service_id = a.service_id
            )
        )
),
latest AS (
    SELECT * FROM decided WHERE nth = 1
),
keyed AS (
    SELECT
        a.proposal_id,
        coalesce(a.offer_id, l.offer_id) AS offer_id,
        coalesce(a.segment, l.segment) AS segment,
        coalesce(a.term, l.term) AS term,
        coalesce(a.billing_frequency, l.billing_frequency) AS billing_frequency,
        coalesce(a.service_id, l.service_id) AS service_id,
        a.rank, a.score, a.status,
        l.decision_id, l.kind, l.state, l.actor, l.decided_at
    FROM asked AS a
    LEFT JOIN latest AS l USING (proposal_id)
),
waiting AS (
    SELECT offer_id, segment, term, billing_frequency,
           max(decision_id) AS pending_decision_id,
           arg_max(service_id, decision_id) AS pending_service_id
    FROM decisions
    WHERE connection_id = $connection_id AND kind = 'approve' AND state = 'pending'
    GROUP BY ALL
)
SELECT
    k.*,
    v.provider_offer_id, v.offer_name,
    s.name AS service_name,
    w.pending_decision_id, w.pending_service_id,
    m.service_id AS mapped_service_id,
    ms.name AS mapped_service_name
FROM keyed AS k
LEFT JOIN acquired_offers AS v
    ON v.connection_id = $connection_id AND v.offer_id = k.offer_id
    AND v.segment = k.segment AND v.term = k.term AND v.billing_frequency = k.billing_frequency
LEFT JOIN at_services AS s
    ON s.connection_id = $connection_id AND s.service_id = k.service_id
LEFT JOIN waiting AS w
    ON w.offer_id = k.offer_id AND w.segment = k.segment AND w.term = k.term
    AND w.billing_frequency = k.billing_frequency
LEFT JOIN offer_mappings AS m
    ON m.connection_id = $connection_id AND m.offer_id = k.offer_id
    AND m.segment = k.segment AND m.term = k.term AND m.billing_frequency = k.billing_frequency
LEFT JOIN at_services AS ms
    ON ms.connection_id = $connection_id AND ms.service_id = m.service_id
ORDER BY k.proposal_id;
