SELECT service_id
FROM offer_mappings
WHERE connection_id = $connection_id
  AND offer_id = $offer_id
  AND segment = $segment
  AND term = $term
  AND billing_frequency = $billing_frequency;
