SELECT mapping_status, count(*) AS variants
FROM acquired_offer_status
WHERE connection_id = $connection_id
GROUP BY mapping_status
ORDER BY mapping_status;
