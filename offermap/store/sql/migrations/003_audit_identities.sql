-- Human identities in the audit log, as they were when the operation happened: the handle
-- people type and paste (OFFER/SEGMENT/TERM/BILLING), the offer's and the service's names,
-- and the note given with the decision. Rows written before this migration keep NULLs; the
-- readers fall back to today's snapshots for them.
ALTER TABLE audit_log ADD COLUMN handle VARCHAR;
ALTER TABLE audit_log ADD COLUMN offer_name VARCHAR;
ALTER TABLE audit_log ADD COLUMN provider_offer_id VARCHAR;
ALTER TABLE audit_log ADD COLUMN service_name VARCHAR;
ALTER TABLE audit_log ADD COLUMN note VARCHAR;
