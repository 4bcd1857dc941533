-- When the connection's proposals were last made, and when the variant's mapping last changed
-- (an applied map or unmap): the stored ranking speaks for the variant only if made after.
SELECT
    (SELECT max(created_at) FROM proposals WHERE connection_id = $connection_id) AS proposed_at,
    (SELECT max(run_id) FROM proposals WHERE connection_id = $connection_id) AS run_id,
    (
        SELECT max(resolved_at) FROM decisions
        WHERE connection_id = $connection_id
          AND offer_id = $offer_id
          AND segment = $segment
          AND term = $term
          AND billing_frequency = $billing_frequency
          AND kind IN ('approve', 'unmap')
          AND state = 'applied'
    ) AS changed_at;
