SELECT count(*) FROM acquired_offers WHERE connection_id = $connection_id;
