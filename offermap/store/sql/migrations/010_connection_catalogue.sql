-- The price lists a connection imported (`offermap catalogue import FILE`): every offer variant
-- Microsoft or a distributor sells, with its titles, so the matcher knows the siblings of the
-- offers the connection's customers hold (faculty and student SKUs, sizes, "(no Teams)").
-- One row per (connection, provider offer id, segment, term, billing); a later import of the
-- same variant replaces its row.
CREATE TABLE connection_catalogue (
    connection_id     VARCHAR NOT NULL,
    provider_offer_id VARCHAR NOT NULL,
    segment           VARCHAR NOT NULL,
    term              VARCHAR NOT NULL,
    billing_frequency VARCHAR NOT NULL,
    -- Microsoft's title of the SKU; for a distributor row without one, the distributor's title
    -- without its code suffix (microsoft_title false).
    title             VARCHAR NOT NULL,
    microsoft_title   BOOLEAN NOT NULL,
    product_title     VARCHAR NOT NULL,
    distributor_title VARCHAR NOT NULL,
    source_file       VARCHAR NOT NULL,
    source_kind       VARCHAR NOT NULL CHECK (source_kind IN ('microsoft', 'distributor')),
    source_line       INTEGER NOT NULL,
    imported_at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (connection_id, provider_offer_id, segment, term, billing_frequency)
);
