DELETE FROM proposals WHERE connection_id = $connection_id;
