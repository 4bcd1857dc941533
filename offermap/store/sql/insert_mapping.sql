INSERT INTO offer_mappings (
    connection_id, offer_id, segment, term, billing_frequency, service_id, decision_id,
    mapped_by, mapped_at, run_id
)
VALUES (
    $connection_id, $offer_id, $segment, $term, $billing_frequency, $service_id, $decision_id,
    $mapped_by, $now, $run_id
);
