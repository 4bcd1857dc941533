-- Store many mappings at once: `mapping_batch` is a DataFrame registered by the caller. The
-- schema refuses the whole statement when one row breaks R4 (primary key) or R3 (unique).
INSERT INTO offer_mappings (
    connection_id, offer_id, segment, term, billing_frequency, service_id, decision_id,
    mapped_by, mapped_at, run_id
)
SELECT
    connection_id, offer_id, segment, term, billing_frequency, CAST(service_id AS BIGINT),
    CAST(decision_id AS BIGINT), mapped_by, mapped_at, run_id
FROM mapping_batch;
