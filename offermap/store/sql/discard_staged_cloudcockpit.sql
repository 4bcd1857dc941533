DELETE FROM stg_cc_subscriptions WHERE run_id = $run_id;
