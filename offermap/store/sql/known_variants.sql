-- Every offer variant a connection knows by handle: the acquired ones, and the mapped ones
-- no customer holds any more (mapping health advises unmapping those by handle). Names and
-- provider ids of a dropped variant come from whatever subscriptions to it the snapshot keeps.
WITH mapped AS (
    SELECT m.connection_id, m.offer_id, m.segment, m.term, m.billing_frequency
    FROM offer_mappings AS m
    WHERE m.connection_id = $connection_id
),
held AS (
    SELECT
        offer_id,
        min(provider_offer_id) AS provider_offer_id,
        min(offer_name) AS offer_name
    FROM cc_subscriptions
    WHERE connection_id = $connection_id
    GROUP BY offer_id
)
SELECT
    a.offer_id, a.segment, a.term, a.billing_frequency, a.provider_offer_id, a.offer_name,
    TRUE AS acquired
FROM acquired_offers AS a
WHERE a.connection_id = $connection_id
UNION ALL
SELECT
    m.offer_id, m.segment, m.term, m.billing_frequency, h.provider_offer_id, h.offer_name,
    FALSE AS acquired
FROM mapped AS m
LEFT JOIN held AS h ON h.offer_id = m.offer_id
WHERE NOT EXISTS (
    SELECT 1 FROM acquired_offers AS a
    WHERE a.connection_id = m.connection_id
        AND a.offer_id = m.offer_id
        AND a.segment = m.segment
        AND a.term = m.term
        AND a.billing_frequency = m.billing_frequency
)
ORDER BY offer_name, segment, term, billing_frequency;
