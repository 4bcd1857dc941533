-- offermap schema, version 1. Applied once, in one transaction, by offermap.store.migrations.

CREATE TABLE connections (
    connection_id       VARCHAR PRIMARY KEY,
    name                VARCHAR NOT NULL,
    cloudcockpit_tenant VARCHAR,
    reseller_id         VARCHAR,            -- NULL: the CSP context
    created_at          TIMESTAMPTZ NOT NULL
);

-- One row per source per run: what was extracted, how many requests it took, how it ended.
CREATE TABLE extract_runs (
    run_id        VARCHAR NOT NULL,
    connection_id VARCHAR NOT NULL,
    source        VARCHAR NOT NULL CHECK (source IN ('autotask', 'cloudcockpit')),
    started_at    TIMESTAMPTZ NOT NULL,
    finished_at   TIMESTAMPTZ,
    status        VARCHAR NOT NULL CHECK (status IN ('running', 'landed', 'published', 'failed')),
    records       BIGINT,
    requests      BIGINT,
    error         VARCHAR,
    PRIMARY KEY (run_id, source)
);

-- Autotask services: landed per run in staging, published per connection as one snapshot.
CREATE TABLE stg_at_services (
    run_id                                    VARCHAR NOT NULL,
    connection_id                             VARCHAR NOT NULL,
    extracted_at                              TIMESTAMPTZ NOT NULL,
    service_id                                BIGINT,
    name                                      VARCHAR,
    description                               VARCHAR,
    invoice_description                       VARCHAR,
    period_type                               INTEGER,
    period_type_label                         VARCHAR,
    unit_cost                                 DOUBLE,
    unit_price                                DOUBLE,
    is_active                                 BOOLEAN,
    sku                                       VARCHAR,
    catalog_number_part_number                VARCHAR,
    manufacturer_service_provider_product_number VARCHAR,
    external_id                               VARCHAR,
    internal_id                               VARCHAR,
    vendor_company_id                         BIGINT,
    last_modified_date                        TIMESTAMPTZ
);

CREATE TABLE at_services (
    connection_id                             VARCHAR NOT NULL,
    service_id                                BIGINT NOT NULL,
    name                                      VARCHAR NOT NULL,
    description                               VARCHAR,
    invoice_description                       VARCHAR,
    period_type                               INTEGER NOT NULL,
    period_type_label                         VARCHAR NOT NULL,
    unit_cost                                 DOUBLE,
    unit_price                                DOUBLE NOT NULL,
    is_active                                 BOOLEAN NOT NULL,
    sku                                       VARCHAR,
    catalog_number_part_number                VARCHAR,
    manufacturer_service_provider_product_number VARCHAR,
    external_id                               VARCHAR,
    internal_id                               VARCHAR,
    vendor_company_id                         BIGINT,
    last_modified_date                        TIMESTAMPTZ,
    extracted_at                              TIMESTAMPTZ NOT NULL,
    run_id                                    VARCHAR NOT NULL,
    PRIMARY KEY (connection_id, service_id)
);

-- CloudCockpit subscriptions visible in the connection's context.
CREATE TABLE stg_cc_subscriptions (
    run_id            VARCHAR NOT NULL,
    connection_id     VARCHAR NOT NULL,
    extracted_at      TIMESTAMPTZ NOT NULL,
    subscription_id   VARCHAR,
    customer_id       VARCHAR,
    reseller_id       VARCHAR,
    offer_id          VARCHAR,
    provider_offer_id VARCHAR,
    offer_name        VARCHAR,
    offer_type        VARCHAR,
    segment           VARCHAR,
    term              VARCHAR,
    billing_frequency VARCHAR,
    status            VARCHAR,
    quantity          BIGINT,
    start_date        TIMESTAMPTZ,
    end_date          TIMESTAMPTZ,
    is_trial          BOOLEAN,
    is_addon          BOOLEAN
);

CREATE TABLE cc_subscriptions (
    connection_id     VARCHAR NOT NULL,
    subscription_id   VARCHAR NOT NULL,
    customer_id       VARCHAR NOT NULL,
    reseller_id       VARCHAR,
    offer_id          VARCHAR NOT NULL,
    provider_offer_id VARCHAR,
    offer_name        VARCHAR NOT NULL,
    offer_type        VARCHAR NOT NULL,
    segment           VARCHAR NOT NULL,
    term              VARCHAR NOT NULL,
    billing_frequency VARCHAR NOT NULL,
    status            VARCHAR NOT NULL,
    quantity          BIGINT NOT NULL,
    start_date        TIMESTAMPTZ,
    end_date          TIMESTAMPTZ,
    is_trial          BOOLEAN,
    is_addon          BOOLEAN,
    extracted_at      TIMESTAMPTZ NOT NULL,
    run_id            VARCHAR NOT NULL,
    PRIMARY KEY (connection_id, subscription_id)
);

-- Acquired offer variants, derived from cc_subscriptions on every sync. support_status is
-- NULL for mappable variants; mapped/unmapped is read live in acquired_offer_status.
CREATE TABLE acquired_offers (
    connection_id     VARCHAR NOT NULL,
    offer_id          VARCHAR NOT NULL,
    segment           VARCHAR NOT NULL,
    term              VARCHAR NOT NULL,
    billing_frequency VARCHAR NOT NULL,
    provider_offer_id VARCHAR,
    offer_name        VARCHAR NOT NULL,
    offer_type        VARCHAR NOT NULL,
    customers         BIGINT NOT NULL,
    subscriptions     BIGINT NOT NULL,
    seats             BIGINT NOT NULL,
    support_status    VARCHAR CHECK (support_status IN ('not_required', 'unsupported')),
    support_rule      VARCHAR,
    support_reason    VARCHAR,
    derived_at        TIMESTAMPTZ NOT NULL,
    run_id            VARCHAR NOT NULL,
    PRIMARY KEY (connection_id, offer_id, segment, term, billing_frequency)
);

CREATE SEQUENCE decision_id_seq START 1;

-- Verdicts of analysts and administrators. Rows are added, and only their state moves on:
-- pending -> applied | failed for approvals and unmaps; rejections are recorded as such.
CREATE TABLE decisions (
    decision_id       BIGINT PRIMARY KEY DEFAULT nextval('decision_id_seq'),
    connection_id     VARCHAR NOT NULL,
    offer_id          VARCHAR NOT NULL,
    segment           VARCHAR NOT NULL,
    term              VARCHAR NOT NULL,
    billing_frequency VARCHAR NOT NULL,
    service_id        BIGINT,
    kind              VARCHAR NOT NULL CHECK (kind IN ('approve', 'reject', 'unmap')),
    source            VARCHAR NOT NULL CHECK (source IN ('proposal', 'manual')),
    proposal_id       BIGINT,
    actor             VARCHAR NOT NULL,
    note              VARCHAR,
    decided_at        TIMESTAMPTZ NOT NULL,
    state             VARCHAR NOT NULL CHECK (state IN ('pending', 'applied', 'failed', 'recorded')),
    resolved_at       TIMESTAMPTZ,
    resolved_run_id   VARCHAR,
    CHECK (kind = 'unmap' OR service_id IS NOT NULL)
);

CREATE SEQUENCE proposal_id_seq START 1;

-- The matcher's current candidates for unmapped variants; replaced on every propose.
-- status: proposed (ranked, above the threshold) or not_proposed (shown, with why).
CREATE TABLE proposals (
    proposal_id       BIGINT PRIMARY KEY DEFAULT nextval('proposal_id_seq'),
    connection_id     VARCHAR NOT NULL,
    run_id            VARCHAR NOT NULL,
    offer_id          VARCHAR NOT NULL,
    segment           VARCHAR NOT NULL,
    term              VARCHAR NOT NULL,
    billing_frequency VARCHAR NOT NULL,
    rank              INTEGER NOT NULL,
    service_id        BIGINT NOT NULL,
    score             DOUBLE NOT NULL,
    status            VARCHAR NOT NULL CHECK (status IN ('proposed', 'not_proposed')),
    reasons           JSON NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL
);

-- The mappings themselves. R4 is the primary key, R3 the unique constraint.
CREATE TABLE offer_mappings (
    connection_id     VARCHAR NOT NULL,
    offer_id          VARCHAR NOT NULL,
    segment           VARCHAR NOT NULL,
    term              VARCHAR NOT NULL,
    billing_frequency VARCHAR NOT NULL,
    service_id        BIGINT NOT NULL,
    decision_id       BIGINT NOT NULL,
    mapped_by         VARCHAR NOT NULL,
    mapped_at         TIMESTAMPTZ NOT NULL,
    run_id            VARCHAR NOT NULL,
    PRIMARY KEY (connection_id, offer_id, segment, term, billing_frequency),
    UNIQUE (connection_id, service_id)
);

CREATE SEQUENCE audit_id_seq START 1;

-- Append-only: offermap only ever INSERTs here (tests check that no statement of the
-- package updates or deletes audit rows).
CREATE TABLE audit_log (
    audit_id          BIGINT PRIMARY KEY DEFAULT nextval('audit_id_seq'),
    occurred_at       TIMESTAMPTZ NOT NULL,
    connection_id     VARCHAR NOT NULL,
    operation         VARCHAR NOT NULL,
    status            VARCHAR NOT NULL CHECK (status IN ('Succeeded', 'Failed')),
    actor             VARCHAR NOT NULL,
    offer_id          VARCHAR,
    segment           VARCHAR,
    term              VARCHAR,
    billing_frequency VARCHAR,
    service_id        BIGINT,
    decision_id       BIGINT,
    details           JSON NOT NULL,
    run_id            VARCHAR NOT NULL,
    correlation_id    VARCHAR
);

-- Mapping status of every acquired variant, read live so that apply is reflected at once.
CREATE VIEW acquired_offer_status AS
SELECT
    a.*,
    CASE
        WHEN a.support_status IS NOT NULL THEN a.support_status
        WHEN m.service_id IS NOT NULL THEN 'mapped'
        ELSE 'unmapped'
    END AS mapping_status,
    m.service_id AS mapped_service_id
FROM acquired_offers AS a
LEFT JOIN offer_mappings AS m
    USING (connection_id, offer_id, segment, term, billing_frequency);
