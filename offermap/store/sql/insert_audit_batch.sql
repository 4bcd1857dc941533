-- Append many audit rows at once: `audit_batch` is a DataFrame registered by the caller, one
-- row per entry with its reserved audit_id. Like insert_audit, rows are only ever appended.
INSERT INTO audit_log (
    audit_id, occurred_at, connection_id, operation, status, actor, offer_id, segment, term,
    billing_frequency, service_id, decision_id, details, run_id, correlation_id, handle,
    offer_name, provider_offer_id, service_name, note
)
SELECT
    audit_id, occurred_at, connection_id, operation, status, actor, offer_id, segment, term,
    billing_frequency, CAST(service_id AS BIGINT), CAST(decision_id AS BIGINT),
    CAST(details AS JSON), run_id, correlation_id, CAST(handle AS VARCHAR),
    CAST(offer_name AS VARCHAR), CAST(provider_offer_id AS VARCHAR),
    CAST(service_name AS VARCHAR), CAST(note AS VARCHAR)
FROM audit_batch
ORDER BY audit_id;
