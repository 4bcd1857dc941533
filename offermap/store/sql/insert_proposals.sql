-- `batch` is a DataFrame registered by the caller with these columns.
INSERT INTO proposals (
    connection_id, run_id, offer_id, segment, term, billing_frequency, rank, service_id, score,
    status, reasons, created_at
)
SELECT
    connection_id, run_id, offer_id, segment, term, billing_frequency, rank, service_id, score,
    status, reasons, created_at
FROM batch;
