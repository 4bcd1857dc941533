-- The only statement of offermap that touches audit_log: rows are appended, never changed.
INSERT INTO audit_log (
    occurred_at, connection_id, operation, status, actor, offer_id, segment, term,
    billing_frequency, service_id, decision_id, details, run_id, correlation_id, handle,
    offer_name, provider_offer_id, service_name, note
)
VALUES (
    $occurred_at, $connection_id, $operation, $status, $actor, $offer_id, $segment, $term,
    $billing_frequency, $service_id, $decision_id, $details, $run_id, $correlation_id, $handle,
    $offer_name, $provider_offer_id, $service_name, $note
);
