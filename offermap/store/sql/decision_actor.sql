SELECT decision_id, actor FROM decisions WHERE connection_id = $connection_id AND state = 'pending';
