SELECT
    service_id, name, period_type_label, unit_cost, unit_price, is_active, sku,
    catalog_number_part_number, manufacturer_service_provider_product_number, external_id,
    description, invoice_description
FROM at_services
WHERE connection_id = $connection_id
ORDER BY service_id;
