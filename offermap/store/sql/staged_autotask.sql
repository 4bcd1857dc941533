SELECT * EXCLUDE (run_id) FROM stg_at_services WHERE run_id = $run_id ORDER BY service_id;
