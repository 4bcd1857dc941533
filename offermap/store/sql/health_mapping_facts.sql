-- Each mapping of a connection beside what the latest snapshots say about it now: the
-- service as Autotask has it (R1, R2, R5, R6) and the variant as CloudCockpit has it (R9,
-- and R5/R7/R8 through support_status). offermap.health turns these facts into drift rows.
WITH held AS (
    -- Every subscription to the variant in the snapshot, whatever its status: when nobody
    -- holds the variant any more, these say what became of it (Expired, Deleted...).
    SELECT
        connection_id, offer_id, segment, term, billing_frequency,
        mode(offer_name ORDER BY offer_name) AS offer_name,
        mode(offer_type ORDER BY offer_type) AS offer_type,
        mode(provider_offer_id ORDER BY provider_offer_id) AS provider_offer_id,
        string_agg(status || ': ' || n, ', ' ORDER BY status) AS subscription_statuses
    FROM (
        SELECT
            connection_id, offer_id, segment, term, billing_frequency, status,
            any_value(offer_name) AS offer_name, any_value(offer_type) AS offer_type,
            any_value(provider_offer_id) AS provider_offer_id, count(*) AS n
        FROM cc_subscriptions
        WHERE connection_id = $connection_id
        GROUP BY connection_id, offer_id, segment, term, billing_frequency, status
    )
    GROUP BY connection_id, offer_id, segment, term, billing_frequency
)
SELECT
    m.connection_id,
    m.offer_id,
    m.segment,
    m.term,
    m.billing_frequency,
    coalesce(a.offer_name, h.offer_name) AS offer_name,
    coalesce(a.offer_type, h.offer_type) AS offer_type,
    coalesce(a.provider_offer_id, h.provider_offer_id) AS provider_offer_id,
    m.service_id,
    m.decision_id,
    m.mapped_by,
    m.mapped_at,
    a.offer_id IS NOT NULL AS variant_acquired,
    a.support_status,
    a.support_rule,
    a.support_reason,
    h.subscription_statuses,
    s.service_id IS NOT NULL AS service_in_snapshot,
    s.name AS service_name,
    s.is_active AS service_is_active,
    s.period_type_label AS service_period_label,
    s.unit_cost AS service_unit_cost,
    s.unit_price AS service_unit_price,
    s.last_modified_date AS service_last_modified
FROM offer_mappings AS m
LEFT JOIN acquired_offers AS a
    ON a.connection_id = m.connection_id
    AND a.offer_id = m.offer_id
    AND a.segment = m.segment
    AND a.term = m.term
    AND a.billing_frequency = m.billing_frequency
LEFT JOIN held AS h
    ON h.connection_id = m.connection_id
    AND h.offer_id = m.offer_id
    AND h.segment = m.segment
    AND h.term = m.term
    AND h.billing_frequency = m.billing_frequency
LEFT JOIN at_services AS s
    ON s.connection_id = m.connection_id AND s.service_id = m.service_id
WHERE m.connection_id = $connection_id
ORDER BY offer_name, m.segment, m.term, m.billing_frequency;
