SELECT offer_id, provider_offer_id, offer_name, offer_type, segment, term, billing_frequency
FROM acquired_offers
WHERE connection_id = $connection_id
ORDER BY offer_id, segment, term, billing_frequency;
