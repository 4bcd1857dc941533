"""`offermap match`: the command line over offline matching (files in, summary out)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from offermap.cli import app

OFFERS = (
    "offer_id,provider_offer_id,offer_name,offer_type,segment,term,billing_frequency\n"
    "g-e3,CFQ7TTC0LFLX:0001,Microsoft 365 E3,License,Commercial,OneMonth,Monthly\n"
    "g-e3,CFQ7TTC0LFLX:0001,Microsoft 365 E3,License,Commercial,OneYear,Monthly\n"
)
SERVICES = (
    "service_id,name,period_type,unit_cost,unit_price,is_active\n"
    "1,M365 E3 1MTH COMMIT,Monthly,30,36,true\n"
    "2,M365 E3 1YR COMMIT,Monthly,28,33,true\n"
    "3,Microsoft 365 E3 - Month to Month copy,Monthly,28,33,true\n"
)


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path, Path]:
    offers, services = tmp_path / "offers.csv", tmp_path / "services.csv"
    offers.write_text(OFFERS)
    services.write_text(SERVICES)
    return offers, services, tmp_path / "proposals.csv"


def test_match_writes_proposals_and_prints_a_summary(files: tuple[Path, Path, Path]) -> None:
    offers, services, out = files

    result = CliRunner().invoke(
        app, ["match", "--offers", str(offers), "--services", str(services), "--out", str(out)]
    )

    assert result.exit_code == 0, result.output
    assert "proposed" in result.output and "rows written to" in result.output
    with out.open(newline="") as handle:
        firsts = {r["term"]: r["service_id"] for r in csv.DictReader(handle) if r["rank"] == "1"}
    assert firsts == {"OneMonth": "1", "OneYear": "2"}


def test_top_and_json_options(files: tuple[Path, Path, Path]) -> None:
    offers, services, out = files
    args = ["match", "--offers", str(offers), "--services", str(services), "--out", str(out)]

    result = CliRunner().invoke(app, [*args, "--top", "1", "--json"])

    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["variants"] == 2 and summary["services"] == 3
    assert summary["by_status"]["proposed"] == 2
    with out.open(newline="") as handle:
        assert {r["rank"] for r in csv.DictReader(handle)} == {"1"}


def test_threshold_comes_from_the_environment_when_not_given(
    files: tuple[Path, Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    offers, services, out = files
    monkeypatch.setenv("OFFERMAP_PROPOSAL_THRESHOLD", "1.0")
    args = ["match", "--offers", str(offers), "--services", str(services), "--out", str(out)]

    result = CliRunner().invoke(app, [*args, "--json"])

    # Only the pair whose name states term and billing keeps a perfect score.
    assert json.loads(result.output)["by_status"] == {
        "proposed": 1,
        "abstained": 1,
        "not_required": 0,
        "unsupported": 0,
    }


def test_bad_file_exits_1_with_file_line_and_column(files: tuple[Path, Path, Path]) -> None:
    offers, services, out = files
    services.write_text(SERVICES + "4,Visio,Fortnightly,1,2,true\n")

    result = CliRunner().invoke(
        app, ["match", "--offers", str(offers), "--services", str(services), "--out", str(out)]
    )

    assert result.exit_code == 1
    assert "services.csv, line 5, column period_type: 'Fortnightly'" in result.output
    assert not out.exists()
