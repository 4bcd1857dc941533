SELECT
    m.connection_id, m.offer_id, m.segment, m.term, m.billing_frequency, m.service_id,
    s.name AS service_name, a.offer_name, a.provider_offer_id, m.decision_id, m.mapped_by,
    m.mapped_at, m.run_id
FROM offer_mappings AS m
LEFT JOIN at_services AS s
    ON s.connection_id = m.connection_id AND s.service_id = m.service_id
LEFT JOIN acquired_offers AS a
    ON a.connection_id = m.connection_id
    AND a.offer_id = m.offer_id
    AND a.segment = m.segment
    AND a.term = m.term
    AND a.billing_frequency = m.billing_frequency
WHERE m.connection_id = $connection_id
ORDER BY a.offer_name, m.segment, m.term, m.billing_frequency;
