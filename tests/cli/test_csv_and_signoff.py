"""`--csv` on every listing (spreadsheet-safe), and signed-off files taken back."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from offermap.cli import app, main
from offermap.store import open_store
from tests.review.review_data import BP_HANDLE, E3_HANDLE, publish_review_connection

runner = CliRunner()


def _csv(args: list[str]) -> list[dict[str, str]]:
    result = runner.invoke(app, [*args, "--csv"])
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


def _ok(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize(
    ("command", "key"),
    [
        (["offers", "--show-mapped"], "handle"),
        (["proposals"], "proposal_id"),
        (["decisions", "--state", "all"], "decision_id"),
        (["audit"], "operation"),
        (["health"], "handle"),
        (["services", "search", "", "-o", BP_HANDLE], "service_id"),
    ],
)
def test_every_listing_writes_csv(review_db: Path, command: list[str], key: str) -> None:
    _ok(["approve", "--min-score", "0.9"])  # something for decisions and audit to list
    _ok(["map", BP_HANDLE, "1"])
    header = runner.invoke(app, [*command, "--csv"]).stdout.splitlines()[0]
    assert key in header.split(",")
    if command[0] != "health":  # no mapping drifted: a header only
        assert _csv(command), command


def test_cells_a_spreadsheet_would_run_are_neutralised(review_db: Path, tmp_path: Path) -> None:
    from tests.factories import service

    path = tmp_path / "hostile.duckdb"
    publish_review_connection(
        path,
        services=[
            service(1, '=HYPERLINK("https://evil.example","click")'),
            service(2, "+cmd|' /C calc'!A0", "Yearly"),
            service(3, "@SUM(1+1)"),
            service(4, "-2+3"),
        ],
    )
    rows = _csv(["proposals", "--db", str(path)])
    names = {row["service_id"]: row["service_name"] for row in rows}
    assert names["1"].startswith("'=HYPERLINK(")
    assert names["2"].startswith("'+cmd")
    assert names["3"] == "'@SUM(1+1)"
    # Numbers stay numbers: a score is written as it is.
    assert all(not row["score"].startswith("'") for row in rows)


def test_the_approver_signs_off_a_sheet_and_hands_it_back(review_db: Path, tmp_path: Path) -> None:
    rows = _csv(["proposals"])
    by_handle = {row["handle"]: row for row in rows}
    by_handle[BP_HANDLE]["decision"] = "approve"
    by_handle[BP_HANDLE]["note"] = "'=signed by finance"
    by_handle[E3_HANDLE]["decision"] = "Reject"
    sheet = tmp_path / "review.csv"
    with sheet.open("w", newline="", encoding="utf-8-sig") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), delimiter=";")
        writer.writeheader()
        writer.writerows(rows)

    approved = json.loads(_ok(["approve", "--from-csv", str(sheet), "--json"]))
    assert [p["handle"] for p in approved["proposals"]] == [BP_HANDLE]
    rejected = json.loads(_ok(["reject", "--from-csv", str(sheet), "--json"]))
    assert [p["handle"] for p in rejected["proposals"]] == [E3_HANDLE]
    with open_store(review_db, read_only=True) as con:
        notes = con.execute("SELECT kind, note FROM decisions ORDER BY decision_id").fetchall()
    # The sheet's own note is kept (and the ' a spreadsheet needed taken off again).
    assert notes == [("approve", "=signed by finance"), ("reject", None)]
    # Handing the same sheet back again records nothing twice: its rows are no longer open.
    result = runner.invoke(app, ["approve", "--from-csv", str(sheet)])
    assert result.exit_code == 1


def test_a_malformed_sheet_is_refused_with_line_and_column_and_records_nothing(
    review_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = {(r["handle"], r["service_id"]): r["proposal_id"] for r in _csv(["proposals", "--all"])}
    sheet = tmp_path / "review.csv"
    sheet.write_text(
        "proposal_id,handle,service_id,decision\n"
        f"{ids[(BP_HANDLE, '1')]},{BP_HANDLE},1,approve\n"
        f"{ids[(BP_HANDLE, '4')]},{BP_HANDLE},9,approve\n"
    )
    with pytest.raises(SystemExit) as exit_info:
        main(["approve", "--from-csv", str(sheet)])
    assert exit_info.value.code == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("offermap: review.csv, line 3, column service_id:")
    with open_store(review_db, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM decisions").fetchall()[0][0] == 0


def test_map_takes_an_offers_sheet_with_service_ids_filled_in(
    review_db: Path, tmp_path: Path
) -> None:
    rows = _csv(["offers"])
    for row in rows:
        row["service_id"] = {BP_HANDLE: "1", E3_HANDLE: "3"}.get(row["handle"], "")
    sheet = tmp_path / "offers.csv"
    with sheet.open("w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    result = json.loads(_ok(["map", "--from-csv", str(sheet), "--json"]))
    assert sorted(a["handle"] for a in result["applied"]) == [BP_HANDLE, E3_HANDLE]
    unmapped = json.loads(_ok(["unmap", BP_HANDLE, E3_HANDLE, "--json"]))
    assert len(unmapped["unmapped"]) == 2
