-- Which customers hold each acquired offer variant of a connection: one row per variant and
-- customer, counted over the subscriptions that make the variant acquired ($acquired_statuses,
-- from offermap.rules, as derive_acquired_offers counts them), with the variant's mapping.
SELECT
    a.offer_id, a.segment, a.term, a.billing_frequency, a.provider_offer_id, a.offer_name,
    a.offer_type,
    s.customer_id,
    count(*) AS subscriptions,
    sum(s.quantity) AS seats,
    string_agg(DISTINCT s.status, ', ' ORDER BY s.status) AS statuses,
    m.service_id AS mapped_service_id,
    svc.name AS mapped_service_name
FROM acquired_offers AS a
JOIN cc_subscriptions AS s
    ON s.connection_id = a.connection_id AND s.offer_id = a.offer_id
    AND s.segment = a.segment AND s.term = a.term
    AND s.billing_frequency = a.billing_frequency
LEFT JOIN offer_mappings AS m
    ON m.connection_id = a.connection_id AND m.offer_id = a.offer_id
    AND m.segment = a.segment AND m.term = a.term
    AND m.billing_frequency = a.billing_frequency
LEFT JOIN at_services AS svc
    ON svc.connection_id = m.connection_id AND svc.service_id = m.service_id
WHERE a.connection_id = $connection_id
  AND list_contains($acquired_statuses, s.status)
GROUP BY ALL
ORDER BY a.offer_name, a.segment, a.term, a.billing_frequency, s.customer_id;
