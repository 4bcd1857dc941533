"""`offermap audit`: who did what to which offer and service, and every filter a reader needs."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from offermap.cli import app, main
from tests.review.review_data import BP_HANDLE, E3_HANDLE, publish_review_connection

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "offermap.duckdb"
    monkeypatch.setenv("OFFERMAP_DB", str(path))
    publish_review_connection(path)
    assert runner.invoke(app, ["map", BP_HANDLE, "1", "--actor", "ana", "--note", "per contract"])
    assert runner.invoke(app, ["map", E3_HANDLE, "1", "--actor", "Bo"]).exit_code == 1  # R3
    assert runner.invoke(app, ["unmap", BP_HANDLE, "--actor", "ana"]).exit_code == 0
    return path


def _rows(*args: str) -> list[dict[str, Any]]:
    result = runner.invoke(app, ["audit", "--json", *args])
    assert result.exit_code == 0, result.output
    rows: list[dict[str, Any]] = json.loads(result.stdout)
    return rows


def test_the_table_names_offer_service_actor_and_note_and_never_prints_none(db: Path) -> None:
    for width in ("80", "200"):
        result = runner.invoke(app, ["audit"], env={"COLUMNS": width})
        assert result.exit_code == 0, result.output
        out = " ".join(result.stdout.split())
        for text in ("Microsoft 365 Business Premium", "M365 BP 1YR monthly", "ana", "Bo"):
            assert text in out, (text, width)
        assert "per contract" in out and BP_HANDLE in out
        assert "None" not in out and "{}" not in out
        assert "bp / Commercial" not in out  # offers by handle and name, not internal ids


def test_status_is_an_enum_in_any_case(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert [r["status"] for r in _rows("--status", "failed")] == ["Failed"]
    assert len(_rows("--status", "SUCCEEDED")) == 2
    with pytest.raises(SystemExit) as exit_info:
        main(["audit", "--status", "done"])
    assert exit_info.value.code == 2
    assert "succeeded" in capsys.readouterr().err.lower()


def test_filters_by_operation_offer_service_actor_and_time(db: Path) -> None:
    assert [r["operation"] for r in _rows("--operation", "unmap")] == [
        "Delete Connection Offer Mapping"
    ]
    assert len(_rows("--operation", "Create Connection Offer Mapping")) == 2
    assert {r["handle"] for r in _rows("--offer", BP_HANDLE)} == {BP_HANDLE}
    assert {r["handle"] for r in _rows("--offer", "e3")} == {E3_HANDLE}
    assert len(_rows("--service", "1")) == 3
    assert len(_rows("--service", "bp 1yr")) == 3
    assert [r["actor"] for r in _rows("--actor", "bo")] == ["Bo"]
    now = datetime.now(UTC)
    assert len(_rows("--since", "1h")) == 3
    assert _rows("--until", (now - timedelta(days=1)).date().isoformat()) == []
    assert len(_rows("--since", now.date().isoformat(), "--until", now.date().isoformat())) == 3


def test_a_refusal_row_says_what_was_in_the_way(db: Path) -> None:
    (refused,) = _rows("--status", "failed")
    assert refused["details"]["rule"] == "R3"
    assert BP_HANDLE in refused["details"]["reason"]
    assert (refused["offer_name"], refused["service_name"]) == (
        "Microsoft 365 E3",
        "M365 BP 1YR monthly",
    )


def test_a_bad_filter_is_one_line(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for args, expected in (
        (["--operation", "merge"], "unknown operation 'merge'"),
        (["--since", "last tuesday"], "--since 'last tuesday' is not a time"),
        (["-c", "nope"], "no connection 'nope'"),
    ):
        with pytest.raises(SystemExit) as exit_info:
            main(["audit", *args])
        assert exit_info.value.code == 1
        err = capsys.readouterr().err.strip()
        assert expected in err and len(err.splitlines()) == 1
