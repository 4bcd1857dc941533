SELECT DISTINCT offer_id, segment, term, billing_frequency, service_id
FROM decisions
WHERE connection_id = $connection_id AND kind = 'reject';
