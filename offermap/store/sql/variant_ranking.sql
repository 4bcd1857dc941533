-- The matcher's stored ranking of one variant (every candidate the latest propose kept, open or
-- decided), with the service names, and when the variant's mapping last changed: a ranking made
-- before that change is out of date.
SELECT
    p.rank, p.service_id, s.name AS service_name, p.score, p.status, p.reasons, p.run_id,
    p.created_at
FROM proposals AS p
LEFT JOIN at_services AS s
    ON s.connection_id = p.connection_id AND s.service_id = p.service_id
WHERE p.connection_id = $connection_id
  AND p.offer_id = $offer_id
  AND p.segment = $segment
  AND p.term = $term
  AND p.billing_frequency = $billing_frequency
ORDER BY p.rank;
