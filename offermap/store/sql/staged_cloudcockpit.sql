SELECT * EXCLUDE (run_id) FROM stg_cc_subscriptions WHERE run_id = $run_id ORDER BY subscription_id;
