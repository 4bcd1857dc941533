-- `batch` is a DataFrame registered by the caller with the proposal columns. A pair proposed
-- before keeps its id (proposal_ids); a new pair gets the next one. Ids stay stable across
-- syncs, so an id written down or in a CSV being signed off still names the same pair.
INSERT INTO proposal_ids
SELECT
    b.connection_id, b.offer_id, b.segment, b.term, b.billing_frequency, b.service_id,
    nextval('proposal_id_seq')
FROM (
    SELECT DISTINCT
        connection_id, offer_id, segment, term, billing_frequency,
        CAST(service_id AS BIGINT) AS service_id
    FROM batch
) AS b
WHERE NOT EXISTS (
    SELECT 1 FROM proposal_ids AS k
    WHERE k.connection_id = b.connection_id
      AND k.offer_id = b.offer_id
      AND k.segment = b.segment
      AND k.term = b.term
      AND k.billing_frequency = b.billing_frequency
      AND k.service_id = b.service_id
);

INSERT INTO proposals (
    proposal_id, connection_id, run_id, offer_id, segment, term, billing_frequency, rank,
    service_id, score, status, reasons, created_at
)
SELECT
    k.proposal_id, b.connection_id, b.run_id, b.offer_id, b.segment, b.term,
    b.billing_frequency, b.rank, b.service_id, b.score, b.status, b.reasons, b.created_at
FROM batch AS b
JOIN proposal_ids AS k
    ON k.connection_id = b.connection_id
    AND k.offer_id = b.offer_id
    AND k.segment = b.segment
    AND k.term = b.term
    AND k.billing_frequency = b.billing_frequency
    AND k.service_id = CAST(b.service_id AS BIGINT);
