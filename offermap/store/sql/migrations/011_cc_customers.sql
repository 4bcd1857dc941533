-- CloudCockpit customers' company names, read with the subscriptions so that listings name the
-- customers holding an offer instead of showing their GUIDs. Staged and published with the
-- CloudCockpit extraction of a run, in the same transaction as the subscriptions.
CREATE TABLE stg_cc_customers (
    run_id        VARCHAR NOT NULL,
    connection_id VARCHAR NOT NULL,
    extracted_at  TIMESTAMPTZ NOT NULL,
    customer_id   VARCHAR NOT NULL,
    -- NULL when CloudCockpit named no company: listings then show the id.
    company_name  VARCHAR
);

CREATE TABLE cc_customers (
    connection_id VARCHAR NOT NULL,
    customer_id   VARCHAR NOT NULL,
    company_name  VARCHAR,
    extracted_at  TIMESTAMPTZ NOT NULL,
    run_id        VARCHAR NOT NULL,
    PRIMARY KEY (connection_id, customer_id)
);

-- How many customers the CloudCockpit extraction read. NULL when it read none (the read
-- failed): publishing then keeps the last good names rather than replacing them with none.
ALTER TABLE extract_runs ADD COLUMN customers BIGINT;
