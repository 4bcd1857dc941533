"""Offline CSV: outputs safe to open in a spreadsheet, inputs never overwritten, errors that point
at the right place (issue 14, "Offline CSV")."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from offermap.cli import app
from offermap.offline import PROPOSAL_COLUMNS, OfflineInputError, match_files, write_proposals

OFFERS = (
    "offer_id,provider_offer_id,offer_name,offer_type,segment,term,billing_frequency\n"
    "=cmd|' /C calc'!A0,CFQ7TTC0LFLX:0001,Microsoft 365 E3,License,Commercial,OneYear,Monthly\n"
    "@SUM(1+1),CFQ7TTC0LFLX:0001,Microsoft 365 E3,License,Commercial,OneMonth,Monthly\n"
)
SERVICES = (
    "service_id,name,period_type,unit_cost,unit_price,is_active\n"
    '1,"=HYPERLINK(""http://x.example"",""M365 E3 1YR COMMIT"")",Monthly,28,33,true\n'
    "2,+M365 E3 1MTH COMMIT,Monthly,30,36,true\n"
    "3,-M365 E3 annual,Monthly,30,36,true\n"
)


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path, Path]:
    offers, services = tmp_path / "offers.csv", tmp_path / "services.csv"
    offers.write_text(OFFERS, encoding="utf-8")
    services.write_text(SERVICES, encoding="utf-8")
    return offers, services, tmp_path / "proposals.csv"


def _cells(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_cells_that_a_spreadsheet_would_run_as_formulas_are_neutralised(
    files: tuple[Path, Path, Path],
) -> None:
    offers, services, out = files

    match_files(offers, services, out)

    rows = _cells(out)
    dangerous = ("=", "+", "-", "@", "\t", "\r")
    for row in rows:
        for column, value in row.items():
            assert not value.startswith(dangerous), (column, value)
    offer_ids = {row["offer_id"] for row in rows}
    assert offer_ids == {"'=cmd|' /C calc'!A0", "'@SUM(1+1)"}
    originals = {
        '=HYPERLINK("http://x.example","M365 E3 1YR COMMIT")',
        "+M365 E3 1MTH COMMIT",
        "-M365 E3 annual",
    }
    names = {row["service_name"] for row in rows if row["service_name"]}
    assert "'+M365 E3 1MTH COMMIT" in names
    assert all(name.startswith("'") and name[1:] in originals for name in names), names


def test_a_cell_starting_with_a_tab_or_carriage_return_is_neutralised(tmp_path: Path) -> None:
    # Input cells are stripped when read, so only the writer can meet these: test it alone.
    out = tmp_path / "p.csv"
    row = dict.fromkeys(PROPOSAL_COLUMNS, "")
    rows = [{**row, "offer_id": "\tx", "service_name": "\r=1+1", "reasons": "ok; -1"}]

    write_proposals(out, rows)

    [read] = _cells(out)
    assert read["offer_id"] == "'\tx"
    assert read["service_name"] == "'\r=1+1"
    assert read["reasons"] == "ok; -1"


@pytest.mark.parametrize("which", ["offers", "services"])
def test_out_naming_an_input_file_is_refused_and_the_input_kept(
    files: tuple[Path, Path, Path], which: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    offers, services, _ = files
    target = offers if which == "offers" else services
    before = target.read_bytes()
    # The same file by another spelling: relative to the working directory, with a detour.
    monkeypatch.chdir(target.parent)
    out = Path(".") / ".." / target.parent.name / target.name

    with pytest.raises(OfflineInputError, match=f"is the {which} file"):
        match_files(offers, services, out)

    assert target.read_bytes() == before


def test_out_equal_to_an_input_exits_1_on_the_command_line(
    files: tuple[Path, Path, Path],
) -> None:
    offers, services, _ = files
    before = services.read_bytes()

    result = CliRunner().invoke(
        app, ["match", "--offers", str(offers), "--services", str(services), "--out", str(services)]
    )

    assert result.exit_code == 1
    assert "is the services file" in result.output
    assert services.read_bytes() == before


def test_out_naming_a_folder_gives_one_line(files: tuple[Path, Path, Path]) -> None:
    offers, services, out = files
    folder = out.parent / "folder"
    folder.mkdir()

    result = CliRunner().invoke(
        app, ["match", "--offers", str(offers), "--services", str(services), "--out", str(folder)]
    )

    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert "is a folder" in lines[0] and "Traceback" not in result.output


def test_an_unclosed_quote_is_blamed_on_its_line_and_column(tmp_path: Path) -> None:
    services = tmp_path / "services.csv"
    services.write_text(
        "service_id,name,period_type,unit_cost,unit_price,is_active\n"
        "1,M365 E3 1YR COMMIT,Monthly,28,33,true\n"
        '2,"M365 E3 1MTH COMMIT,Monthly,30,36,true\n'
        "3,Visio Plan 2,Monthly,10,12,true\n",
        encoding="utf-8",
    )
    offers = tmp_path / "offers.csv"
    offers.write_text(OFFERS, encoding="utf-8")

    with pytest.raises(OfflineInputError) as caught:
        match_files(offers, services, tmp_path / "p.csv")

    message = str(caught.value)
    assert "services.csv, line 3, column name:" in message
    assert "quote" in message
    assert "\n" not in message


def test_a_stray_quote_inside_a_later_field_is_blamed_on_that_field(tmp_path: Path) -> None:
    services = tmp_path / "services.csv"
    services.write_text(
        "service_id,name,period_type,unit_cost,unit_price,is_active\n"
        '1,M365 E3 1YR COMMIT,"Monthly"x,28,33,true\n',
        encoding="utf-8",
    )
    offers = tmp_path / "offers.csv"
    offers.write_text(OFFERS, encoding="utf-8")

    with pytest.raises(OfflineInputError, match=r"line 2, column period_type: .*quote"):
        match_files(offers, services, tmp_path / "p.csv")
