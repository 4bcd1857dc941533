-- Decisions can be taken back: an approval or unmap waiting for apply is withdrawn before it
-- is applied, and a rejection is undone so that the pair may be proposed again. The state
-- 'withdrawn' is new, so the table is rebuilt with the wider CHECK (DuckDB cannot alter a
-- CHECK constraint in place); ids, rows and the id sequence are kept as they are.
CREATE TABLE decisions_v4 (
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
    state             VARCHAR NOT NULL
        CHECK (state IN ('pending', 'applied', 'failed', 'recorded', 'withdrawn')),
    resolved_at       TIMESTAMPTZ,
    resolved_run_id   VARCHAR,
    CHECK (kind = 'unmap' OR service_id IS NOT NULL)
);
INSERT INTO decisions_v4
SELECT
    decision_id, connection_id, offer_id, segment, term, billing_frequency, service_id, kind,
    source, proposal_id, actor, note, decided_at, state, resolved_at, resolved_run_id
FROM decisions;
DROP TABLE decisions;
ALTER TABLE decisions_v4 RENAME TO decisions;
