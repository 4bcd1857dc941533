-- The X-Correlation-Id a CloudCockpit extraction sent, so that CloudCockpit's own audit log
-- can be joined to offermap's runs and to the audit rows of decisions checked against them.
ALTER TABLE extract_runs ADD COLUMN correlation_id VARCHAR;
