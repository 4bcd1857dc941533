-- The connection's stored mappings with the offer's name and the service's fields, from which
-- the matcher learns how this MSP names its services. Mappings whose variant is no longer
-- acquired, or whose service left the snapshot, teach nothing and are skipped.
SELECT
    a.offer_id, a.provider_offer_id, a.offer_name, a.offer_type, a.segment, a.term,
    a.billing_frequency,
    s.service_id, s.name, s.period_type_label, s.unit_cost, s.unit_price, s.is_active, s.sku,
    s.catalog_number_part_number, s.manufacturer_service_provider_product_number, s.external_id,
    s.description, s.invoice_description
FROM offer_mappings AS m
JOIN acquired_offers AS a
    ON a.connection_id = m.connection_id
    AND a.offer_id = m.offer_id
    AND a.segment = m.segment
    AND a.term = m.term
    AND a.billing_frequency = m.billing_frequency
JOIN at_services AS s
    ON s.connection_id = m.connection_id
    AND s.service_id = m.service_id
WHERE m.connection_id = $connection_id
ORDER BY m.mapped_at, m.offer_id, m.segment, m.term, m.billing_frequency;
