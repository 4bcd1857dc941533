-- Manual path: active services of the connection whose name begins with the words typed
-- (case-insensitive, runs of spaces read as one) and whose period is the one the offer's
-- billing needs (R5, the label read from the snapshot), with the variant each is mapped to (R3).
SELECT
    s.service_id, s.name, s.period_type_label, s.unit_cost, s.unit_price, s.sku,
    s.catalog_number_part_number, s.manufacturer_service_provider_product_number, s.external_id,
    m.offer_id AS mapped_offer_id, m.segment AS mapped_segment, m.term AS mapped_term,
    m.billing_frequency AS mapped_billing_frequency
FROM at_services AS s
LEFT JOIN offer_mappings AS m
    ON m.connection_id = s.connection_id AND m.service_id = s.service_id
WHERE s.connection_id = $connection_id
  AND s.is_active
  AND s.period_type_label = $period_label
  AND starts_with(lower(regexp_replace(trim(s.name), '\s+', ' ', 'g')), $prefix)
ORDER BY lower(s.name), s.service_id;
