DELETE FROM stg_cc_subscriptions WHERE run_id = $run_id;

DELETE FROM stg_cc_customers WHERE run_id = $run_id;
