-- Pending unmap decisions of a connection with the mapping each would delete (if any), and the
-- names the audit row keeps: the offer's, and the mapped (or requested) service's.
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
    d.service_id AS requested_service_id, d.actor, d.note,
    m.service_id AS mapped_service_id,
    coalesce(a.offer_name, own.offer_name) AS offer_name,
    coalesce(a.provider_offer_id, own.provider_offer_id) AS provider_offer_id,
    mapped.name AS mapped_service_name,
    requested.name AS requested_service_name
FROM decisions AS d
LEFT JOIN offer_mappings AS m
    ON m.connection_id = d.connection_id
    AND m.offer_id = d.offer_id
    AND m.segment = d.segment
    AND m.term = d.term
    AND m.billing_frequency = d.billing_frequency
LEFT JOIN acquired_offers AS a
    ON a.connection_id = d.connection_id
    AND a.offer_id = d.offer_id
    AND a.segment = d.segment
    AND a.term = d.term
    AND a.billing_frequency = d.billing_frequency
LEFT JOIN offer_names AS own ON own.offer_id = d.offer_id
LEFT JOIN at_services AS mapped
    ON mapped.connection_id = d.connection_id AND mapped.service_id = m.service_id
LEFT JOIN at_services AS requested
    ON requested.connection_id = d.connection_id AND requested.service_id = d.service_id
WHERE d.connection_id = $connection_id
  AND d.state = 'pending'
  AND d.kind = 'unmap'
  AND ($decision_ids IS NULL OR list_contains($decision_ids, d.decision_id))
ORDER BY d.decision_id;
