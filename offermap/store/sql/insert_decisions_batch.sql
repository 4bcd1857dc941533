-- Record many decisions at once: `decision_batch` is a DataFrame registered by the caller,
-- one row per decision with its reserved decision_id.
INSERT INTO decisions (
    decision_id, connection_id, offer_id, segment, term, billing_frequency, service_id, kind,
    source, proposal_id, actor, note, decided_at, state
)
SELECT
    decision_id, connection_id, offer_id, segment, term, billing_frequency,
    CAST(service_id AS BIGINT), kind, source, CAST(proposal_id AS BIGINT), actor, note,
    decided_at, state
FROM decision_batch
ORDER BY decision_id;
