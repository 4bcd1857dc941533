-- Which customers hold each acquired variant of a connection (an Active or Suspended
-- subscription, as for R9), by id; offermap.store.acquired names them (customer_names.sql).
SELECT
    offer_id, segment, term, billing_frequency,
    list(DISTINCT customer_id ORDER BY customer_id) AS customer_ids
FROM cc_subscriptions
WHERE connection_id = $connection_id
  AND list_contains($acquired_statuses, status)
GROUP BY offer_id, segment, term, billing_frequency;
