-- A connection's imported catalogue, in a stable order (offers are built from it in that order).
SELECT
    provider_offer_id, segment, term, billing_frequency, title, microsoft_title, product_title,
    distributor_title, source_line
FROM connection_catalogue
WHERE connection_id = $connection_id
ORDER BY provider_offer_id, segment, term, billing_frequency;
