"""The analyst notebooks, executed with nbclient against a reviewed, applied, drifted sandbox."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import duckdb
import jupytext
import nbformat
import pytest

from notebooks import run
from offermap.reports import coverage
from offermap.store import fetch_dicts, open_store
from tests import factories
from tests.notebooks import runner
from tests.notebooks.sandbox_db import ReviewedDb
from tests.store_helpers import publish_snapshot

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def _untidy(shown: str) -> list[str]:
    """What a tidy table never shows: NaN, pandas' missing markers, ids as floats."""
    return [m for m in ("NaN", "<NA>", "nan", "None", "NaT") if m in shown]


def test_mapping_health_notebook_shows_drift_refusals_and_audit_with_charts_read_only(
    reviewed: ReviewedDb, db_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No path or connection parameter: the notebook falls back to the OFFERMAP_* settings.
    monkeypatch.setenv("OFFERMAP_DB", str(db_copy))
    monkeypatch.setenv("OFFERMAP_CONNECTION", reviewed.connection_id)
    # A reader in this process keeps a shared lock on the file: a notebook that opened it
    # read-write would wait for the lock and fail with StoreBusyError.
    held = duckdb.connect(str(db_copy), read_only=True)
    try:
        notebook = runner.execute("mapping_health", {"audit_bucket": "hour"}, tmp_path)
    finally:
        held.close()

    assert len(runner.images(notebook)) == 3  # health and drift, refusals, audit over time
    shown = runner.text(notebook)
    for variant, rule in reviewed.drift.items():
        assert variant in shown, f"drift of {variant} ({rule}) not shown"
        assert str(reviewed.drifted_services[variant]) in shown
    for what in (
        "service_deactivated",
        "period_changed",
        "service_missing",
        "variant_not_acquired",
    ):
        assert what in shown
    assert "drifted" in shown and "4 drifted" in shown
    assert reviewed.refused_rule == "R6"
    assert "an Azure plan needs a service with unit cost 0" in shown
    assert "Create Connection Offer Mapping" in shown and "Succeeded" in shown
    assert _untidy(shown) == []


def _decisions(db: Path, actor: str) -> list[dict[str, Any]]:
    with open_store(db, read_only=True) as con:
        return fetch_dicts(
            con,
            "SELECT proposal_id, kind, state, note FROM decisions WHERE actor = ? "
            "ORDER BY decision_id",
            [actor],
        )


def test_review_notebook_charts_coverage_records_decisions_and_shows_who_holds_what(
    reviewed: ReviewedDb, db_copy: Path, tmp_path: Path
) -> None:
    firsts = coverage.first_choices(coverage.review_queue(db_copy, reviewed.connection_id))
    segment = firsts["segment"].value_counts().index[0]
    mine = firsts[firsts["segment"] == segment]
    other_segment = firsts[firsts["segment"] != segment]
    # Decided first, so the queue below no longer holds these two; the rest of the segment stays.
    approve_row, reject_row, still_open = mine.iloc[0], mine.iloc[1], mine.iloc[2:]
    assert len(still_open) >= 1 and len(other_segment) >= 1
    holders = coverage.variant_customers(db_copy, reviewed.connection_id)
    held = holders[holders["segment"] == segment].iloc[0]
    parameters = {
        "db_path": str(db_copy),
        "connection_id": reviewed.connection_id,
        "segment": segment,
        "holders_of": str(held["variant"]),
        "approve_ids": [int(approve_row["proposal_id"])],
        "reject_ids": [int(reject_row["proposal_id"])],
        "actor": "notebook-analyst",
        "note": "checked in the notebook",
    }

    notebook = runner.execute("review_proposals", parameters, tmp_path)

    assert len(runner.images(notebook)) == 2  # coverage charts, score histogram
    shown = runner.text(notebook)
    for heading in ("Coverage by product family", "Coverage by segment"):
        assert heading in shown
    for state in coverage.COVERAGE_STATES:
        assert state in shown
    assert str(still_open["variant"].iloc[0]) in shown
    assert str(still_open["reasons"].iloc[0])[:40] in shown
    # The segment filter hides other segments' variants from the queue.
    for variant in other_segment["variant"].tolist():
        assert variant not in shown
    approved, rejected = int(approve_row["proposal_id"]), int(reject_row["proposal_id"])
    assert f"Approved proposal {approved} ({approve_row['variant']} → service " in shown
    assert f"Rejected proposal {rejected} ({reject_row['variant']} → service " in shown
    assert "Run headless: decide with --set approve_ids" in shown  # no buttons without a person
    # Who holds the chosen offer: each of its customers, by id.
    customers = holders[holders["variant"] == held["variant"]]["customer_id"]
    for customer_id in customers:
        assert customer_id in shown
    assert f"{customers.nunique()} customers hold 1 offer variants matching" in shown
    assert _untidy(shown) == []
    assert _decisions(db_copy, "notebook-analyst") == [
        {
            "proposal_id": approved,
            "kind": "approve",
            "state": "pending",
            "note": "checked in the notebook",
        },
        {
            "proposal_id": rejected,
            "kind": "reject",
            "state": "recorded",
            "note": "checked in the notebook",
        },
    ]

    # The same decisions again, from the command line, with the page for readers: harmless.
    page = tmp_path / "review.html"
    argv = ["review_proposals", "--db", str(db_copy), "--connection", reviewed.connection_id]
    for name in ("approve_ids", "reject_ids", "actor"):
        argv += ["--set", f"{name}={parameters[name]!r}"]
    assert run.main([*argv, "--output", str(tmp_path / "again.ipynb"), "--html", str(page)]) == 0

    assert len(_decisions(db_copy, "notebook-analyst")) == 2
    again = runner.text(nbformat.read(tmp_path / "again.ipynb", as_version=4))
    assert f"Proposal {approved} (" in again
    assert "was not approved: already approved by notebook-analyst on " in again
    assert "was not rejected: already rejected by notebook-analyst on " in again
    html = page.read_text("utf-8")
    assert "Coverage by product family" in html and "already approved by" in html
    assert "data:image/png;base64," in html  # the charts
    for code in ("import matplotlib", "coverage.review_queue(", "record(db_path"):
        assert code not in html
    code_cells = re.findall(r'class="jp-Cell jp-CodeCell[^"]*"', html)
    assert code_cells and all("jp-mod-noInput" in cell for cell in code_cells)


def test_running_a_notebook_for_an_unknown_connection_fails_naming_the_known_ones(
    reviewed: ReviewedDb,
    db_copy: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    status = run.main(
        ["mapping_health", "--db", str(db_copy), "--connection", "nope", "--set", "rows_shown=5"]
    )

    assert status == 1
    error = capsys.readouterr().err
    assert "no connection 'nope'" in error and reviewed.connection_id in error
    # One line: offermap's error says what to do; the traceback stays in the notebook.
    assert len(error.strip().splitlines()) == 1 and "Traceback" not in error
    assert "mapping_health failed: HealthError: " in error
    # The executed notebook is kept, with the error in context.
    assert (tmp_path / ".offermap" / "notebooks" / "mapping_health.ipynb").exists()


def test_parameters_are_injected_after_the_parameters_cell_and_a_notebook_without_one_is_refused(
    db_copy: Path,
) -> None:
    notebook = jupytext.read(run.NOTEBOOKS / "review_proposals.py")
    tagged = [i for i, c in enumerate(notebook.cells) if "parameters" in c.metadata.get("tags", [])]
    run.with_parameters(notebook, {"db_path": str(db_copy), "approve_ids": [3, 4]})
    injected = notebook.cells[tagged[0] + 1]
    assert injected.metadata["tags"] == ["injected-parameters"]
    assert injected.source == f"db_path = {str(db_copy)!r}\napprove_ids = [3, 4]"

    untagged = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    with pytest.raises(ValueError, match="tagged 'parameters'"):
        run.with_parameters(untagged, {"x": 2})


def test_both_notebooks_render_for_a_connection_with_nothing_reviewed_yet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    db = tmp_path / "fresh.duckdb"
    publish_snapshot(
        db,
        "fresh",
        "sync-1",
        [factories.service(1, "Backup - per device")],
        [factories.subscription("o365e3", "Office 365 E3")],
    )
    parameters = {"db_path": str(db), "connection_id": "fresh"}

    health_nb = runner.execute("mapping_health", parameters, tmp_path)
    # As in JupyterLab: not headless, so the review notebook shows its buttons.
    review_nb = runner.execute("review_proposals", {**parameters, "headless": False}, tmp_path)

    assert len(runner.images(health_nb)) == 3
    assert "0 mappings: 0 healthy, 0 drifted" in runner.text(health_nb)
    assert len(runner.images(review_nb)) == 2
    shown = runner.text(review_nb)
    assert "Acquired offer variants: 1, {'abstained': 1}" in shown
    assert "No decision in the parameters" in shown
    widgets = [o for o in runner.outputs(review_nb) if WIDGET_VIEW in o.get("data", {})]
    assert len(widgets) == 1  # the panel: a box of rows (none here, nothing is proposed yet)
    assert widgets[0]["data"]["text/plain"].startswith("VBox(")
