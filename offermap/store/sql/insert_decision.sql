INSERT INTO decisions (
    connection_id, offer_id, segment, term, billing_frequency, service_id, kind, source,
    proposal_id, actor, note, decided_at, state
)
VALUES (
    $connection_id, $offer_id, $segment, $term, $billing_frequency, $service_id, $kind, $source,
    $proposal_id, $actor, $note, $now, $state
)
RETURNING decision_id;
