-- The offers a connection's customers hold, with their provider ids: handles are built from
-- them, and a provider id naming several offers is not usable in a handle.
SELECT DISTINCT offer_id, provider_offer_id
FROM acquired_offers
WHERE connection_id = $connection_id;
