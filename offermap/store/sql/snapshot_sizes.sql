-- How many records the connection's published snapshots hold, and how many a run staged to
-- replace them: publishing refuses a snapshot that shrinks past the operator's limit.
SELECT
    (SELECT count(*) FROM at_services WHERE connection_id = $connection_id) AS autotask_before,
    (
        SELECT count(*) FROM stg_at_services
        WHERE run_id = $run_id AND connection_id = $connection_id
    ) AS autotask_after,
    (SELECT count(*) FROM cc_subscriptions WHERE connection_id = $connection_id)
        AS cloudcockpit_before,
    (
        SELECT count(*) FROM stg_cc_subscriptions
        WHERE run_id = $run_id AND connection_id = $connection_id
    ) AS cloudcockpit_after;
