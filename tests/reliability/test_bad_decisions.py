"""Bad decision rows: unknown ids, contradictions and other connections' services are refused by
apply, each with exactly one Failed audit row that names the rule; bad proposal ids are refused
before anything is recorded."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from expectations.suites import validate_decisions
from offermap.apply.batch import apply_decisions
from offermap.propose.proposer import propose
from offermap.review.approvals import ReviewError, approve
from offermap.store import open_store
from tests.reliability.decision_data import (
    Catalogue,
    approve_all,
    bad_decisions,
    invariant_violations,
    publish_catalogue,
    state,
)

# The rule each bad decision must be refused under (None: a refusal no rule names).
# A decision may break several rules at once (an unknown offer approved with a service another
# decision claimed breaks R9 and R3): the expected one must be among those its audit row names.
EXPECTED_RULES: dict[str, set[str | None]] = {
    "unknown service": {"R1"},
    "unknown offer": {"R9"},
    "inactive service": {"R2"},
    "wrong billing period": {"R5"},
    # The variant and the service were both claimed by earlier decisions of the batch.
    "contradicts an earlier decision": {"R3", "R4"},
    "another connection's service": {"R1"},
    "unmap of an unmapped variant": {None},
}


@pytest.fixture
def two_connections(tmp_path: Path) -> tuple[Path, Catalogue, Catalogue]:
    """Two connections in one database, with different services."""
    db = tmp_path / "offermap.duckdb"
    return (
        db,
        publish_catalogue(db, "c1", 12, first_service=100),
        publish_catalogue(db, "c2", 12, first_service=500),
    )


def _audit_rows(db: Path, decision_id: int) -> list[tuple[str, str, dict[str, Any]]]:
    with open_store(db, read_only=True) as con:
        rows = con.execute(
            "SELECT connection_id, status, details FROM audit_log WHERE decision_id = ?",
            [decision_id],
        ).fetchall()
    return [(connection, status, json.loads(details)) for connection, status, details in rows]


def test_each_bad_decision_is_refused_with_one_failed_audit_row_naming_its_rule(
    two_connections: tuple[Path, Catalogue, Catalogue],
) -> None:
    db, c1, c2 = two_connections
    good = approve_all(db, c1)
    bad = bad_decisions(db, c1, foreign_service=c2.services[0])
    c2_pending = approve_all(db, c2)

    result = apply_decisions(db, "c1", "apply-bad", rules_check=validate_decisions)

    assert {d["decision_id"] for d in result.applied} == set(good)
    assert {d["decision_id"] for d in result.failed} == set(bad.values())
    for what, decision_id in bad.items():
        rows = _audit_rows(db, decision_id)
        assert len(rows) == 1, f"{what}: {len(rows)} audit rows"
        connection, status, details = rows[0]
        assert (connection, status) == ("c1", "Failed"), what
        assert details.get("reason"), f"{what}: the audit row gives no reason"
        broken = {r["rule"] for r in details.get("reasons", [])} or {None}
        assert EXPECTED_RULES[what] & broken, f"{what}: refused for {details['reason']}"
    # The other connection's decisions are untouched: still pending, with no audit rows.
    after = state(db)
    assert {row[0]: row[3] for row in after["decisions"] if row[1] == "c2"} == dict.fromkeys(
        c2_pending, "pending"
    )
    assert all(row[1] == "c1" for row in after["audit"])
    assert invariant_violations(db) == []


def test_applying_the_bad_batch_again_changes_nothing(
    two_connections: tuple[Path, Catalogue, Catalogue],
) -> None:
    db, c1, c2 = two_connections
    approve_all(db, c1)
    bad_decisions(db, c1, foreign_service=c2.services[0])
    apply_decisions(db, "c1", "apply-1", rules_check=validate_decisions)
    before = state(db)

    again = apply_decisions(db, "c1", "apply-2", rules_check=validate_decisions)

    assert again.decisions == 0
    assert state(db) == before


def test_unknown_or_foreign_proposal_ids_are_refused_and_nothing_is_recorded(
    two_connections: tuple[Path, Catalogue, Catalogue],
) -> None:
    db, _, _ = two_connections
    for connection in ("c1", "c2"):
        summary = propose(db, connection, f"propose-{connection}")
        assert summary.proposals_written > 0
    with open_store(db, read_only=True) as con:
        c2_proposal = con.execute(
            "SELECT min(proposal_id) FROM proposals WHERE connection_id = 'c2'"
        ).fetchall()[0][0]
    before = state(db)

    with pytest.raises(ReviewError, match=r"no proposal 987654"):
        approve(db, "c1", [987654], actor="reliability")
    with pytest.raises(ReviewError, match=rf"no proposal {c2_proposal} for connection 'c1'"):
        approve(db, "c1", [c2_proposal], actor="reliability")

    assert state(db) == before
