-- A proposal keeps its id across syncs: the id belongs to the (variant, service) pair, so an
-- id an approver wrote down yesterday, or one in a CSV being signed off, still names the same
-- pair after the next sync. Pairs seen before this migration keep the id they have now.
CREATE TABLE proposal_ids (
    connection_id     VARCHAR NOT NULL,
    offer_id          VARCHAR NOT NULL,
    segment           VARCHAR NOT NULL,
    term              VARCHAR NOT NULL,
    billing_frequency VARCHAR NOT NULL,
    service_id        BIGINT NOT NULL,
    proposal_id       BIGINT NOT NULL UNIQUE,
    PRIMARY KEY (connection_id, offer_id, segment, term, billing_frequency, service_id)
);
INSERT INTO proposal_ids
SELECT connection_id, offer_id, segment, term, billing_frequency, service_id, min(proposal_id)
FROM proposals
GROUP BY connection_id, offer_id, segment, term, billing_frequency, service_id;
