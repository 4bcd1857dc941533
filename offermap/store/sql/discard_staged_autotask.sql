DELETE FROM stg_at_services WHERE run_id = $run_id;
