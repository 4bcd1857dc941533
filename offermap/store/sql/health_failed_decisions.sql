-- Refused operations of a connection (Failed audit rows), newest first, with the rule and
-- reason apply recorded and the names the offer and service have in the latest snapshots.
SELECT
    l.audit_id,
    l.occurred_at,
    l.operation,
    l.actor,
    l.offer_id,
    l.segment,
    l.term,
    l.billing_frequency,
    a.offer_name,
    a.provider_offer_id,
    a.offer_type,
    l.service_id,
    s.name AS service_name,
    json_extract_string(l.details, '$.rule') AS rule,
    json_extract_string(l.details, '$.reason') AS reason,
    l.decision_id,
    d.source AS decision_source,
    l.run_id
FROM audit_log AS l
LEFT JOIN decisions AS d ON d.decision_id = l.decision_id
LEFT JOIN acquired_offers AS a
    ON a.connection_id = l.connection_id
    AND a.offer_id = l.offer_id
    AND a.segment = l.segment
    AND a.term = l.term
    AND a.billing_frequency = l.billing_frequency
LEFT JOIN at_services AS s
    ON s.connection_id = l.connection_id AND s.service_id = l.service_id
WHERE l.connection_id = $connection_id
  AND l.status = 'Failed'
  AND ($since IS NULL OR l.occurred_at >= $since)
ORDER BY l.audit_id DESC;
