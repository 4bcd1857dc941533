-- The facts the rules suite needs about each pending approval of a connection, one row per
-- decision, in decision order. Facts about the stored state only: claims between decisions
-- of the same batch are added by offermap.apply, which knows which earlier claims are valid.
-- Beyond the rules' facts (offermap.rules.DECISION_COLUMNS) come the names the audit row and a
-- refusal quote: the offer's and the service's, who holds the service (R3) and which service
-- the variant has (R4), and the decision's actor and note.
WITH offer_names AS (
    -- Names of offers no customer holds any more (a mapping's holder may be one of them).
    SELECT
        offer_id,
        min(provider_offer_id) AS provider_offer_id,
        min(offer_name) AS offer_name
    FROM cc_subscriptions
    WHERE connection_id = $connection_id
    GROUP BY offer_id
)
SELECT
    d.decision_id,
    d.connection_id,
    d.offer_id,
    d.segment,
    d.term,
    d.billing_frequency,
    d.service_id,
    a.offer_type,
    a.offer_id IS NOT NULL AS variant_acquired,
    s.service_id IS NOT NULL AS service_in_snapshot,
    s.is_active AS service_is_active,
    s.period_type_label AS service_period_label,
    s.unit_cost AS service_unit_cost,
    s.unit_price AS service_unit_price,
    coalesce(other_variant.service_id IS NOT NULL, false) AS service_mapped_to_other_variant,
    coalesce(same_variant.service_id <> d.service_id, false) AS variant_mapped_to_other_service,
    coalesce(same_variant.service_id = d.service_id, false) AS already_mapped_identically,
    coalesce(a.offer_name, own.offer_name) AS offer_name,
    coalesce(a.provider_offer_id, own.provider_offer_id) AS provider_offer_id,
    s.name AS service_name,
    d.actor,
    d.note,
    other_variant.offer_id AS holder_offer_id,
    other_variant.segment AS holder_segment,
    other_variant.term AS holder_term,
    other_variant.billing_frequency AS holder_billing_frequency,
    holder.offer_name AS holder_offer_name,
    holder.provider_offer_id AS holder_provider_offer_id,
    same_variant.service_id AS current_service_id,
    current_service.name AS current_service_name
FROM decisions AS d
LEFT JOIN acquired_offers AS a
    ON a.connection_id = d.connection_id
    AND a.offer_id = d.offer_id
    AND a.segment = d.segment
    AND a.term = d.term
    AND a.billing_frequency = d.billing_frequency
LEFT JOIN offer_names AS own ON own.offer_id = d.offer_id
LEFT JOIN at_services AS s
    ON s.connection_id = d.connection_id AND s.service_id = d.service_id
LEFT JOIN offer_mappings AS same_variant
    ON same_variant.connection_id = d.connection_id
    AND same_variant.offer_id = d.offer_id
    AND same_variant.segment = d.segment
    AND same_variant.term = d.term
    AND same_variant.billing_frequency = d.billing_frequency
LEFT JOIN at_services AS current_service
    ON current_service.connection_id = d.connection_id
    AND current_service.service_id = same_variant.service_id
LEFT JOIN offer_mappings AS other_variant
    ON other_variant.connection_id = d.connection_id
    AND other_variant.service_id = d.service_id
    AND NOT (
        other_variant.offer_id = d.offer_id
        AND other_variant.segment = d.segment
        AND other_variant.term = d.term
        AND other_variant.billing_frequency = d.billing_frequency
    )
LEFT JOIN offer_names AS holder ON holder.offer_id = other_variant.offer_id
WHERE d.connection_id = $connection_id
  AND d.state = 'pending'
  AND d.kind = 'approve'
  AND ($decision_ids IS NULL OR list_contains($decision_ids, d.decision_id))
ORDER BY d.decision_id;
