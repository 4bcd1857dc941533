-- The connection's Autotask services from the latest snapshot, optionally only active ones.
SELECT
    service_id, name, period_type_label, unit_cost, unit_price, is_active, sku,
    catalog_number_part_number, manufacturer_service_provider_product_number, external_id,
    description, invoice_description
FROM at_services
WHERE connection_id = $connection_id
  AND ($active_only = false OR is_active)
ORDER BY lower(name), service_id;
