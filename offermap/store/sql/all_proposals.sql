-- Every current proposal of a connection, decided or not: a signed-off file may name any.
SELECT
    proposal_id, connection_id, offer_id, segment, term, billing_frequency, rank, service_id,
    score, status
FROM proposals
WHERE connection_id = $connection_id
ORDER BY proposal_id;
