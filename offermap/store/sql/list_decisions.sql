-- A connection's decisions of the given kinds and states (or these ids), newest first, with
-- the names a reviewer recognises them by: the offer's, the service's, and for an unmap the
-- service it would remove. `total` counts every matching row before LIMIT/OFFSET.
WITH offer_names AS (
    SELECT
        offer_id,
        min(provider_offer_id) AS provider_offer_id,
        min(offer_name) AS offer_name
    FROM cc_subscriptions
    WHERE connection_id = $connection_id
    GROUP BY offer_id
)
SELECT
    d.decision_id, d.connection_id, d.offer_id, d.segment, d.term, d.billing_frequency,
    d.kind, d.source, d.state, d.proposal_id, d.actor, d.note, d.decided_at,
    d.resolved_at, d.resolved_run_id,
    coalesce(d.service_id, m.service_id) AS service_id,
    coalesce(s.name, ms.name) AS service_name,
    coalesce(a.offer_name, own.offer_name) AS offer_name,
    coalesce(a.provider_offer_id, own.provider_offer_id) AS provider_offer_id,
    count(*) OVER () AS total
FROM decisions AS d
LEFT JOIN acquired_offers AS a
    ON a.connection_id = d.connection_id
    AND a.offer_id = d.offer_id
    AND a.segment = d.segment
    AND a.term = d.term
    AND a.billing_frequency = d.billing_frequency
LEFT JOIN offer_names AS own ON own.offer_id = d.offer_id
LEFT JOIN at_services AS s
    ON s.connection_id = d.connection_id AND s.service_id = d.service_id
LEFT JOIN offer_mappings AS m
    ON d.kind = 'unmap'
    AND m.connection_id = d.connection_id
    AND m.offer_id = d.offer_id
    AND m.segment = d.segment
    AND m.term = d.term
    AND m.billing_frequency = d.billing_frequency
LEFT JOIN at_services AS ms
    ON ms.connection_id = d.connection_id AND ms.service_id = m.service_id
WHERE d.connection_id = $connection_id
  AND ($decision_ids::BIGINT[] IS NULL OR list_contains($decision_ids::BIGINT[], d.decision_id))
  AND ($kinds::VARCHAR[] IS NULL OR list_contains($kinds::VARCHAR[], d.kind))
  AND ($states::VARCHAR[] IS NULL OR list_contains($states::VARCHAR[], d.state))
ORDER BY d.decision_id DESC
LIMIT $limit OFFSET $offset;
