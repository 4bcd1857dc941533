"""The analyst notebooks, executed with nbclient against a reviewed, applied, drifted sandbox."""

from __future__ import annotations

import shutil
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
from tests.notebooks.sandbox_db import ReviewedDb, build_reviewed_db
from tests.store_helpers import publish_snapshot


@pytest.fixture(scope="module")
def reviewed(sandbox: Any, tmp_path_factory: pytest.TempPathFactory) -> ReviewedDb:
    """Built once: each test works on its own copy, so decisions made in one never leak."""
    return build_reviewed_db(tmp_path_factory.mktemp("nbdb") / "offermap.duckdb", sandbox)


@pytest.fixture
def db_copy(reviewed: ReviewedDb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the database, and a private IPython directory for the kernel."""
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    target = tmp_path / "offermap.duckdb"
    shutil.copyfile(reviewed.path, target)
    return target


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


def _decisions(db: Path, actor: str) -> list[dict[str, Any]]:
    with open_store(db, read_only=True) as con:
        return fetch_dicts(
            con,
            "SELECT proposal_id, kind, state, note FROM decisions WHERE actor = ? "
            "ORDER BY decision_id",
            [actor],
        )


def test_review_notebook_charts_coverage_and_records_decisions_through_the_library(
    reviewed: ReviewedDb, db_copy: Path, tmp_path: Path
) -> None:
    firsts = coverage.first_choices(coverage.review_queue(db_copy, reviewed.connection_id))
    assert len(firsts) >= 2
    approve_row, reject_row = firsts.iloc[0], firsts.iloc[1]
    other_segment = firsts[firsts["segment"] != approve_row["segment"]]

    notebook = runner.execute(
        "review_proposals",
        {
            "db_path": str(db_copy),
            "connection_id": reviewed.connection_id,
            "segment": str(approve_row["segment"]),
            "approve_ids": [int(approve_row["proposal_id"])],
            "reject_ids": [int(reject_row["proposal_id"])],
            "actor": "notebook-analyst",
            "note": "checked in the notebook",
        },
        tmp_path,
    )

    assert len(runner.images(notebook)) == 2  # coverage charts, score histogram
    shown = runner.text(notebook)
    for heading in ("Coverage by product family", "Coverage by segment"):
        assert heading in shown
    for state in coverage.COVERAGE_STATES:
        assert state in shown
    assert str(approve_row["variant"]) in shown
    assert str(approve_row["reasons"])[:40] in shown
    # The segment filter hides other segments' variants from the queue.
    for variant in other_segment["variant"].tolist():
        assert variant not in shown
    assert f"Approved proposals [{int(approve_row['proposal_id'])}]" in shown
    assert _decisions(db_copy, "notebook-analyst") == [
        {
            "proposal_id": int(approve_row["proposal_id"]),
            "kind": "approve",
            "state": "pending",
            "note": "checked in the notebook",
        },
        {
            "proposal_id": int(reject_row["proposal_id"]),
            "kind": "reject",
            "state": "recorded",
            "note": "checked in the notebook",
        },
    ]


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
    review_nb = runner.execute("review_proposals", parameters, tmp_path)

    assert len(runner.images(health_nb)) == 3
    assert "0 mappings: 0 healthy, 0 drifted" in runner.text(health_nb)
    assert len(runner.images(review_nb)) == 2
    shown = runner.text(review_nb)
    assert "Acquired offer variants: 1, {'abstained': 1}" in shown
    assert "No decision recorded" in shown
