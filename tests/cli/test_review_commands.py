"""`offermap proposals / approve / reject / audit` on a database prepared through the library."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from offermap.apply.batch import apply_decisions
from offermap.apply.rule_check import check_decision_facts
from offermap.cli import app
from offermap.store import open_store
from offermap.store.proposals import replace_proposals
from tests.factories import service, subscription
from tests.store_helpers import publish_snapshot

runner = CliRunner()
C = "default"


def _proposal(variant: tuple[str, str, str, str], service_id: int, rank: int, score: float) -> dict:
    offer_id, segment, term, billing = variant
    return {
        "connection_id": C,
        "run_id": "sync-1",
        "offer_id": offer_id,
        "segment": segment,
        "term": term,
        "billing_frequency": billing,
        "rank": rank,
        "service_id": service_id,
        "score": score,
        "status": "proposed" if score >= 0.6 else "not_proposed",
        "reasons": json.dumps({"reasons": [f"name matches ({score:.2f})"]}),
        "created_at": datetime.now(UTC),
    }


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "offermap.duckdb"
    monkeypatch.setenv("OFFERMAP_DB", str(path))
    publish_snapshot(
        path,
        C,
        "sync-1",
        [
            service(1, "M365 BP 1YR monthly"),
            service(2, "M365 BP annual", "Yearly"),
            service(3, "E3 monthly"),
        ],
        [
            subscription("bp", "Microsoft 365 Business Premium", billing_frequency="Monthly"),
            subscription("bp", "Microsoft 365 Business Premium", billing_frequency="Annual"),
            subscription("e3", "Microsoft 365 E3", billing_frequency="Monthly"),
        ],
    )
    with open_store(path) as con:
        replace_proposals(
            con,
            C,
            [
                _proposal(("bp", "Commercial", "OneYear", "Monthly"), 1, 1, 0.97),
                _proposal(("bp", "Commercial", "OneYear", "Annual"), 2, 1, 0.72),
                _proposal(("e3", "Commercial", "OneYear", "Monthly"), 3, 1, 0.40),
            ],
        )
    return path


def _json(args: list[str]) -> object:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_proposals_lists_only_proposed_unless_all(db: Path) -> None:
    assert {row["service_id"] for row in _json(["proposals", "--json"])} == {1, 2}  # type: ignore[union-attr]
    assert len(_json(["proposals", "--json", "--all"])) == 3  # type: ignore[arg-type]


def test_approve_by_min_score_then_apply_then_audit(db: Path) -> None:
    decided = _json(["approve", "--min-score", "0.9", "--json", "--actor", "ana"])
    assert len(decided["decision_ids"]) == 1  # type: ignore[index]
    apply_decisions(db, C, "apply-1", rules_check=check_decision_facts)
    rows = _json(["audit", "--json"])
    assert isinstance(rows, list) and len(rows) == 1
    row = rows[0]
    for field in (
        "occurred_at",
        "operation",
        "status",
        "connection_id",
        "offer_id",
        "segment",
        "term",
        "billing_frequency",
        "service_id",
        "details",
    ):
        assert field in row
    assert (row["status"], row["service_id"], row["actor"]) == ("Succeeded", 1, "ana")
    assert _json(["audit", "--json", "--status", "Failed"]) == []
    assert len(_json(["audit", "--json", "--operation", "Create Connection Offer Mapping"])) == 1  # type: ignore[arg-type]


def test_reject_removes_the_proposal_from_the_open_list(db: Path) -> None:
    open_rows = _json(["proposals", "--json"])
    target = next(r for r in open_rows if r["service_id"] == 2)  # type: ignore[union-attr]
    _json(["reject", str(target["proposal_id"]), "--json"])
    assert {row["service_id"] for row in _json(["proposals", "--json"])} == {1}  # type: ignore[union-attr]


def test_each_decision_is_told_in_the_past_tense(db: Path) -> None:
    open_rows = _json(["proposals", "--json"])
    by_service = {r["service_id"]: r["proposal_id"] for r in open_rows}  # type: ignore[index]
    rejected = runner.invoke(app, ["reject", str(by_service[2])])
    approved = runner.invoke(app, ["approve", str(by_service[1])])
    assert rejected.exit_code == 0 and approved.exit_code == 0, rejected.output + approved.output
    assert rejected.stdout.startswith("Rejected ") and approved.stdout.startswith("Approved ")


def test_ids_and_min_score_together_are_refused_not_half_obeyed(db: Path) -> None:
    from offermap.cli import main

    first = _json(["proposals", "--json"])[0]["proposal_id"]  # type: ignore[index]
    with pytest.raises(SystemExit) as exit_info:
        main(["approve", str(first), "--min-score", "0.5"])
    assert exit_info.value.code == 1
    with open_store(db, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM decisions").fetchall()[0][0] == 0


def test_an_unknown_proposal_id_is_a_clear_error_and_writes_nothing(db: Path) -> None:
    from offermap.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["approve", "999"])
    assert exit_info.value.code == 1
    with open_store(db, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM decisions").fetchall()[0][0] == 0


def test_audit_on_a_missing_database_says_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from offermap.cli import main

    with pytest.raises(SystemExit):
        main(["audit", "--db", str(tmp_path / "none.duckdb")])
    assert "offermap sync" in capsys.readouterr().err
