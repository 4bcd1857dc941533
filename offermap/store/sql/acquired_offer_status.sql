-- Acquired variants of a connection with their live mapping status and the mapped service.
SELECT
    s.connection_id, s.offer_id, s.segment, s.term, s.billing_frequency, s.provider_offer_id,
    s.offer_name, s.offer_type, s.customers, s.subscriptions, s.seats, s.mapping_status,
    s.support_rule, s.support_reason, s.mapped_service_id, svc.name AS mapped_service_name
FROM acquired_offer_status AS s
LEFT JOIN at_services AS svc
    ON svc.connection_id = s.connection_id AND svc.service_id = s.mapped_service_id
WHERE s.connection_id = $connection_id
ORDER BY s.offer_name, s.segment, s.term, s.billing_frequency;
