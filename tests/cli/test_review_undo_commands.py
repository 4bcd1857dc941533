"""Review and undo on the command line: dry runs, confirmations, pending decisions, withdrawals."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from offermap.cli import app, main
from offermap.cli import review as review_cli
from offermap.store import open_store
from tests.review.review_data import BP_HANDLE, E3_HANDLE

runner = CliRunner()


def _decisions(review_db: Path) -> int:
    with open_store(review_db, read_only=True) as con:
        return int(con.execute("SELECT count(*) FROM decisions").fetchall()[0][0])


def _json(args: list[str]) -> Any:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_approve_dry_run_lists_what_would_be_approved_and_records_nothing(review_db: Path) -> None:
    result = runner.invoke(app, ["approve", "--min-score", "0.9", "--dry-run"])
    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())
    assert "Would approve 2 proposals" in out and BP_HANDLE in out and E3_HANDLE in out
    assert "Nothing was recorded (--dry-run)" in out
    assert _decisions(review_db) == 0


def test_many_approvals_at_once_ask_first_and_refuse_without_a_terminal(
    review_db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(review_cli, "CONFIRM_ABOVE", 1)
    with pytest.raises(SystemExit) as exit_info:
        main(["approve", "--min-score", "0.9"])
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert "this would approve 2 proposals" in err and "--dry-run" in err and "--yes" in err
    assert _decisions(review_db) == 0
    # At a terminal the command asks: "no" records nothing, "yes" (or --yes) goes ahead.
    monkeypatch.setattr(review_cli, "stdin_is_terminal", lambda: True)
    result = runner.invoke(app, ["approve", "--min-score", "0.9"], input="n\n")
    assert "Approve 2 proposals?" in result.output and _decisions(review_db) == 0
    result = runner.invoke(app, ["approve", "--min-score", "0.9"], input="y\n")
    assert result.exit_code == 0 and _decisions(review_db) == 2
    monkeypatch.setattr(review_cli, "stdin_is_terminal", lambda: False)
    (proposal,) = _json(["proposals", "--all"])  # the one left: BP billed annually
    assert runner.invoke(app, ["reject", str(proposal["proposal_id"]), "--yes"]).exit_code == 0


def test_pending_decisions_are_listed_and_withdrawn_before_apply(review_db: Path) -> None:
    approved = _json(["approve", "--min-score", "0.9"])
    listed = _json(["decisions"])
    assert {d["handle"] for d in listed} == {BP_HANDLE, E3_HANDLE}
    assert {d["service_name"] for d in listed} == {"M365 BP 1YR monthly", "E3 monthly"}
    table = runner.invoke(app, ["decisions"], env={"COLUMNS": "80"}).stdout
    assert BP_HANDLE in table and "offermap withdraw" in table
    first = approved["decision_ids"][0]
    result = runner.invoke(app, ["withdraw", str(first), "--note", "not yet"])
    assert result.exit_code == 0, result.output
    assert "Withdrew the approval of decision" in result.stdout
    assert [d["decision_id"] for d in _json(["decisions"])] != [first]
    assert len(_json(["decisions"])) == 1
    assert _json(["audit", "--operation", "withdraw"])[0]["note"] == "not yet"


def test_a_rejection_is_undone_and_the_proposal_is_open_again(review_db: Path) -> None:
    (proposal,) = [p for p in _json(["proposals"]) if p["handle"] == E3_HANDLE]
    rejected = _json(["reject", str(proposal["proposal_id"])])
    assert E3_HANDLE not in {p["handle"] for p in _json(["proposals"])}
    assert [d["handle"] for d in _json(["decisions", "--state", "rejected"])] == [E3_HANDLE]
    result = runner.invoke(app, ["withdraw", str(rejected["decision_ids"][0])])
    assert result.exit_code == 0 and "Undid the rejection" in result.stdout
    assert proposal["proposal_id"] in {p["proposal_id"] for p in _json(["proposals"])}


def test_an_applied_approval_is_not_withdrawn_the_error_says_unmap(
    review_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mapped = _json(["map", BP_HANDLE, "1"])
    with pytest.raises(SystemExit):
        main(["withdraw", str(mapped["applied"][0]["decision_id"])])
    assert f"offermap unmap {BP_HANDLE}" in capsys.readouterr().err


def test_many_unmaps_at_once_ask_first(
    review_db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from offermap.cli import manual

    _json(["map", BP_HANDLE, "1"])
    _json(["map", E3_HANDLE, "3"])
    monkeypatch.setattr(manual, "CONFIRM_ABOVE", 1)
    with pytest.raises(SystemExit):
        main(["unmap", BP_HANDLE, E3_HANDLE])
    assert "--yes" in capsys.readouterr().err
    result = _json(["unmap", BP_HANDLE, E3_HANDLE, "--yes"])
    assert len(result["unmapped"]) == 2
