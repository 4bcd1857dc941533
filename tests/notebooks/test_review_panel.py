"""The review notebook's buttons, clicked headlessly, and the decisions they write."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import duckdb
import pytest

from notebooks.review_panel import ReviewPanel, VariantRow, record
from offermap.apply.batch import apply_decisions
from offermap.apply.rule_check import check_decision_facts
from offermap.propose.proposer import propose
from offermap.reports import coverage
from offermap.review import approvals
from offermap.review.approvals import ReviewError
from offermap.store import fetch_dicts, open_store
from tests import factories
from tests.notebooks.sandbox_db import ReviewedDb
from tests.store_helpers import publish_snapshot


def _decisions(db: Path, actor: str) -> list[dict[str, Any]]:
    with open_store(db, read_only=True) as con:
        return fetch_dicts(
            con,
            "SELECT proposal_id, kind, state, note FROM decisions WHERE actor = ? "
            "ORDER BY decision_id",
            [actor],
        )


def _decision_count(db: Path) -> int:
    with open_store(db, read_only=True) as con:
        return int(fetch_dicts(con, "SELECT count(*) AS n FROM decisions")[0]["n"])


def _is_open(con: Any) -> bool:
    try:
        con.execute("SELECT 1")
    except duckdb.ConnectionException:
        return False
    return True


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> SimpleNamespace:
    """Every DuckDB connection opened, and any read-write one opened while a reader was open.

    DuckDB refuses a read-only and a read-write connection to one file in one process; the
    notebook's kernel is one process, so its reads must be closed before the library writes.
    """
    seen = SimpleNamespace(opened=[], overlaps=[])
    real_connect = duckdb.connect

    def spy(database: Any = ":memory:", read_only: bool = False, **kwargs: Any) -> Any:
        if not read_only:
            seen.overlaps.extend(str(path) for ro, path, con in seen.opened if ro and _is_open(con))
        con = real_connect(database, read_only=read_only, **kwargs)
        seen.opened.append((read_only, database, con))
        return con

    monkeypatch.setattr(duckdb, "connect", spy)
    return seen


def _row_with_candidates(panel: ReviewPanel, at_least: int) -> VariantRow:
    return next(r for r in panel.rows if len(r.candidates) >= at_least)


def test_approve_button_records_the_decision_through_the_library_and_closes_the_row(
    reviewed: ReviewedDb, db_copy: Path, connections: SimpleNamespace
) -> None:
    queue = coverage.review_queue(db_copy, reviewed.connection_id)
    panel = ReviewPanel(
        db_copy, reviewed.connection_id, queue, actor="panel-analyst", note="checked"
    )
    row = panel.rows[0]
    chosen = row.proposal_id

    row.approve.click()

    assert _decisions(db_copy, "panel-analyst") == [
        {"proposal_id": chosen, "kind": "approve", "state": "pending", "note": "checked"}
    ]
    assert row.approve.disabled and row.reject.disabled and row.choice.disabled
    assert f"Approved proposal {chosen} ({row.variant} → service " in row.status.value
    assert "waits for `offermap apply`" in row.status.value
    assert f"Approved proposal {chosen}" in panel.log.value
    # The clicks wrote through a read-write connection while no reader was left open...
    assert any(not read_only for read_only, _path, _con in connections.opened)
    assert connections.overlaps == []
    # ...and reading in the same process afterwards still works.
    variants = coverage.coverage_variants(db_copy, reviewed.connection_id).set_index("variant")
    assert bool(variants.loc[row.variant, "awaiting_apply"])


def test_reject_button_offers_the_next_candidate_until_none_is_left(
    reviewed: ReviewedDb, db_copy: Path
) -> None:
    queue = coverage.review_queue(db_copy, reviewed.connection_id)
    panel = ReviewPanel(db_copy, reviewed.connection_id, queue, actor="panel-analyst")
    row = _row_with_candidates(panel, 2)
    candidates = list(row.candidates)  # rank order, the first choice selected
    first, second = candidates[:2]
    assert row.proposal_id == first

    row.reject.click()

    assert first not in [value for _label, value in row.choice.options]
    assert row.proposal_id == second and not row.approve.disabled
    assert f"Rejected proposal {first}" in row.status.value
    for _ in candidates[1:]:
        row.reject.click()
    assert row.approve.disabled and row.reject.disabled
    assert "No candidate left: the variant is now abstained." in row.status.value
    assert [d["proposal_id"] for d in _decisions(db_copy, "panel-analyst")] == candidates
    assert {d["kind"] for d in _decisions(db_copy, "panel-analyst")} == {"reject"}
    variants = coverage.coverage_variants(db_copy, reviewed.connection_id).set_index("variant")
    assert variants.loc[row.variant, "coverage"] == "abstained"


def test_a_panel_left_open_reports_decisions_taken_elsewhere_and_records_nothing_twice(
    reviewed: ReviewedDb, db_copy: Path
) -> None:
    queue = coverage.review_queue(db_copy, reviewed.connection_id)
    mine = ReviewPanel(db_copy, reviewed.connection_id, queue, actor="analyst-a")
    theirs = ReviewPanel(db_copy, reviewed.connection_id, queue, actor="analyst-b")
    variant = mine.rows[0].variant
    approvals.approve(
        db_copy, reviewed.connection_id, [theirs.rows[1].proposal_id], actor="cli-admin"
    )
    mine.row(variant).approve.click()
    before = _decision_count(db_copy)

    theirs.row(variant).approve.click()  # the same proposal, from a stale panel
    mine.row(theirs.rows[1].variant).reject.click()  # decided on the command line meanwhile

    assert _decision_count(db_copy) == before
    stale = theirs.row(variant)
    assert "was not approved: already approved by analyst-a on " in stale.status.value
    assert stale.approve.disabled
    other = mine.row(theirs.rows[1].variant)
    assert "already approved by cli-admin" in other.status.value


def test_recording_the_same_decisions_again_reports_them_instead_of_failing(
    reviewed: ReviewedDb, db_copy: Path
) -> None:
    firsts = coverage.first_choices(coverage.review_queue(db_copy, reviewed.connection_id))
    approve_id, reject_id = (int(i) for i in firsts["proposal_id"].iloc[:2])
    connection = reviewed.connection_id

    done = record(db_copy, connection, "approve", [approve_id], actor="nb", note="first")
    record(db_copy, connection, "reject", [reject_id], actor="nb")
    before = _decision_count(db_copy)
    again = record(db_copy, connection, "approve", [approve_id, approve_id], actor="nb")
    rejected_again = record(db_copy, connection, "reject", [reject_id], actor="nb")

    assert len(done.recorded) == 1 and done.recorded[0][0] == approve_id
    assert _decision_count(db_copy) == before
    assert again.recorded == [] and [pid for pid, _why in again.skipped] == [approve_id]
    (line,) = again.lines()
    assert line.startswith(f"Proposal {approve_id} (")
    assert "was not approved: already approved by nb on " in line
    assert "(decision " in line and ", pending)" in line
    assert "already rejected by nb" in rejected_again.lines()[0]


def test_an_unknown_id_is_refused_in_one_line_and_nothing_of_the_batch_is_recorded(
    reviewed: ReviewedDb, db_copy: Path
) -> None:
    firsts = coverage.first_choices(coverage.review_queue(db_copy, reviewed.connection_id))
    good = int(firsts["proposal_id"].iloc[0])
    before = _decision_count(db_copy)

    with pytest.raises(ReviewError) as refused:
        record(db_copy, reviewed.connection_id, "approve", [good, 999_999], actor="nb")

    message = str(refused.value)
    assert "no proposal 999999" in message and "\n" not in message
    assert "nothing was recorded" in message
    assert _decision_count(db_copy) == before


def test_the_panel_shows_names_from_the_apis_literally(tmp_path: Path) -> None:
    db = tmp_path / "markup.duckdb"
    hostile = "<img src=x onerror=alert(1)> [link=https://evil.example]click[/link] [/]"
    publish_snapshot(
        db,
        "markup",
        "sync-1",
        [factories.service(1, f"Microsoft 365 Business Standard {hostile}", sku="CFQ7X:0001")],
        [
            factories.subscription(
                "m365bs", "Microsoft 365 Business Standard <b>x</b>", provider_offer_id="CFQ7X:0001"
            )
        ],
    )
    propose(db, "markup", "sync-1")
    queue = coverage.review_queue(db, "markup")
    assert len(queue) >= 1

    panel = ReviewPanel(db, "markup", queue, actor="nb")
    row = panel.rows[0]
    row.approve.click()

    for html in (row.title.value, row.status.value, panel.log.value):
        assert "<img" not in html and "<b>x" not in html
    assert "&lt;b&gt;x&lt;/b&gt;" in row.title.value
    assert "&lt;img src=x onerror=alert(1)&gt; [link=https://evil.example]click[/link] [/]" in (
        row.status.value
    )
    assert hostile in row.choice.options[0][0]  # a dropdown shows its labels as plain text


def test_the_panel_says_how_many_variants_it_left_out_and_when_nothing_is_left(
    reviewed: ReviewedDb, db_copy: Path
) -> None:
    queue = coverage.review_queue(db_copy, reviewed.connection_id)
    variants = queue["variant"].nunique()

    short = ReviewPanel(db_copy, reviewed.connection_id, queue, actor="nb", limit=2)
    empty = ReviewPanel(db_copy, reviewed.connection_id, queue.iloc[0:0], actor="nb")

    assert len(short.rows) == 2
    assert f"2 offer variants to decide ({variants - 2} more: narrow the filters" in (
        short.widget.children[0].value
    )
    assert empty.rows == [] and "Nothing to decide with these filters." in (
        empty.widget.children[0].value
    )


def test_undo_withdraws_an_approval_and_undoes_a_rejection_through_the_library(
    reviewed: ReviewedDb, db_copy: Path
) -> None:
    queue = coverage.review_queue(db_copy, reviewed.connection_id)
    panel = ReviewPanel(db_copy, reviewed.connection_id, queue, actor="nb", note="oops")
    approved_row = panel.rows[0]
    rejected_row = _row_with_candidates(panel, 2)
    assert approved_row is not rejected_row and approved_row.undo.disabled
    approved, rejected = approved_row.proposal_id, rejected_row.proposal_id
    assert approved is not None and rejected is not None

    approved_row.approve.click()
    rejected_row.reject.click()
    approved_row.undo.click()
    rejected_row.undo.click()

    with open_store(db_copy, read_only=True) as con:
        states = fetch_dicts(
            con,
            "SELECT proposal_id, kind, state FROM decisions WHERE actor = 'nb' "
            "ORDER BY decision_id",
        )
    assert states == [
        {"proposal_id": approved, "kind": "approve", "state": "withdrawn"},
        {"proposal_id": rejected, "kind": "reject", "state": "withdrawn"},
    ]
    assert coverage.proposal_states(db_copy, reviewed.connection_id, [approved, rejected])[
        "state"
    ].tolist() == ["open", "open"]
    for row, proposal_id in ((approved_row, approved), (rejected_row, rejected)):
        assert row.proposal_id == proposal_id and not row.approve.disabled
        assert row.undo.disabled  # nothing of this row's left to take back
    assert rejected in [value for _label, value in rejected_row.choice.options]
    assert "Withdrew the approval of proposal" in approved_row.status.value
    assert "Undid the rejection of proposal" in rejected_row.status.value


def test_undo_of_an_approval_applied_meanwhile_is_refused_in_one_line(
    reviewed: ReviewedDb, db_copy: Path
) -> None:
    queue = coverage.review_queue(db_copy, reviewed.connection_id)
    panel = ReviewPanel(db_copy, reviewed.connection_id, queue, actor="nb")
    row = panel.rows[0]
    row.approve.click()
    apply_decisions(db_copy, reviewed.connection_id, "apply-2", rules_check=check_decision_facts)

    row.undo.click()

    assert "nothing was withdrawn" in row.status.value
    assert not row.undo.disabled and row.approve.disabled  # still applied, still closed
