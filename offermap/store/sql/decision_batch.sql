-- The facts the rules suite needs about each pending approval of a connection, one row per
-- decision, in decision order. Facts about the stored state only: claims between decisions
-- of the same batch are added by offermap.apply, which knows which earlier claims are valid.
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
    coalesce(same_variant.service_id = d.service_id, false) AS already_mapped_identically
FROM decisions AS d
LEFT JOIN acquired_offers AS a
    ON a.connection_id = d.connection_id
    AND a.offer_id = d.offer_id
    AND a.segment = d.segment
    AND a.term = d.term
    AND a.billing_frequency = d.billing_frequency
LEFT JOIN at_services AS s
    ON s.connection_id = d.connection_id AND s.service_id = d.service_id
LEFT JOIN offer_mappings AS same_variant
    ON same_variant.connection_id = d.connection_id
    AND same_variant.offer_id = d.offer_id
    AND same_variant.segment = d.segment
    AND same_variant.term = d.term
    AND same_variant.billing_frequency = d.billing_frequency
LEFT JOIN offer_mappings AS other_variant
    ON other_variant.connection_id = d.connection_id
    AND other_variant.service_id = d.service_id
    AND NOT (
        other_variant.offer_id = d.offer_id
        AND other_variant.segment = d.segment
        AND other_variant.term = d.term
        AND other_variant.billing_frequency = d.billing_frequency
    )
WHERE d.connection_id = $connection_id
  AND d.state = 'pending'
  AND d.kind = 'approve'
  AND ($decision_ids IS NULL OR list_contains($decision_ids, d.decision_id))
ORDER BY d.decision_id;
