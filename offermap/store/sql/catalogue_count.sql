-- How many variants and SKUs a connection's imported catalogue holds.
SELECT count(*) AS variants, count(DISTINCT provider_offer_id) AS skus
FROM connection_catalogue
WHERE connection_id = $connection_id;
