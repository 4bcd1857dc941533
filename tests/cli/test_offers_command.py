"""`offermap offers`: acquired variants with status, Hide Mapped by default, search, handles."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from offermap.cli import app
from tests.cli.manual_data import BASIC, BP_MONTHLY

runner = CliRunner()


def _offers(*args: str) -> list[dict[str, Any]]:
    result = runner.invoke(app, ["offers", "--json", *args])
    assert result.exit_code == 0, result.output
    rows: list[dict[str, Any]] = json.loads(result.stdout)
    return rows


def test_offers_lists_every_acquired_variant_with_status_and_customers(manual_db: Path) -> None:
    rows = {r["handle"]: r for r in _offers()}
    assert rows[BP_MONTHLY]["customers"] == 2
    assert rows[BP_MONTHLY]["mapping_status"] == "unmapped"
    assert rows["DZH318Z0BQ3Q:0001/Commercial/OneYear/Monthly"]["mapping_status"] == (
        "not_required"
    )
    assert {r["offer_id"] for r in rows.values()} == {
        "guid-bp",
        "guid-basic",
        "guid-plan",
        "guid-res",
        "guid-x1",
        "guid-x2",
    }


def test_mapped_variants_are_hidden_unless_show_mapped(manual_db: Path) -> None:
    assert runner.invoke(app, ["map", BASIC, "3"]).exit_code == 0
    assert BASIC not in {r["handle"] for r in _offers()}
    (mapped,) = [r for r in _offers("--show-mapped") if r["handle"] == BASIC]
    assert (mapped["mapping_status"], mapped["mapped_service_id"]) == ("mapped", 3)
    assert mapped["mapped_service_name"] == "microsoft 365   business basic"


def test_search_matches_name_or_provider_offer_id_in_any_case(manual_db: Path) -> None:
    assert {r["offer_id"] for r in _offers("--search", "BUSINESS prem")} == {"guid-bp"}
    assert {r["offer_id"] for r in _offers("-s", "cfq7ttc0lh18")} == {"guid-basic"}
    assert _offers("-s", "no such offer") == []


def test_a_shared_provider_offer_id_gives_handles_by_offer_id(manual_db: Path) -> None:
    handles = {r["offer_id"]: r["handle"] for r in _offers("-s", "contoso")}
    assert handles == {
        "guid-x1": "guid-x1/Commercial/OneYear/Monthly",
        "guid-x2": "guid-x2/Commercial/OneYear/Monthly",
    }


def test_a_listed_handle_is_accepted_by_map(manual_db: Path) -> None:
    handle = next(r["handle"] for r in _offers("-s", "contoso add-on (new)"))
    result = runner.invoke(app, ["map", handle, "7", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["applied"][0]["variant"][0] == "guid-x2"


def test_the_table_shows_the_provider_offer_id_under_the_name_and_the_handle(
    manual_db: Path,
) -> None:
    result = runner.invoke(app, ["offers", "-s", "premium"], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    name_line = next(i for i, line in enumerate(lines) if "Microsoft 365 Business Premium" in line)
    assert "CFQ7TTC0LCHC:0002" in lines[name_line + 1]
    assert BP_MONTHLY in result.stdout


def test_without_a_database_offers_says_how_to_get_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from offermap.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["offers", "--db", str(tmp_path / "none.duckdb")])
    assert exit_info.value.code == 1
    assert "run `offermap sync`" in capsys.readouterr().err


def test_offers_filter_by_customer_segment_status_and_family(manual_db: Path) -> None:
    assert {r["offer_id"] for r in _offers("--customer", "CUST-2")} == {"guid-bp"}
    assert _offers("--segment", "education") == []
    assert {r["mapping_status"] for r in _offers("--status", "not_required")} == {"not_required"}
    assert {r["offer_id"] for r in _offers("--family", "azure")} == {"guid-plan", "guid-res"}
    rows = {r["handle"]: r for r in _offers()}
    assert rows[BP_MONTHLY]["customer_ids"] == ["cust-1", "cust-2"]


def test_offers_can_show_which_customers_hold_each_variant(manual_db: Path) -> None:
    for width in ("80", "200"):
        result = runner.invoke(
            app, ["offers", "-s", "premium", "--show-customers"], env={"COLUMNS": width}
        )
        assert result.exit_code == 0, result.output
        assert "cust-1" in result.stdout and "cust-2" in result.stdout


def test_an_unknown_status_or_family_says_which_exist(
    manual_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from offermap.cli import main

    for args, expected in (
        (["--status", "broken"], "use one of unmapped, mapped, drifted"),
        (["--family", "Lotus"], "unknown product family 'Lotus'"),
    ):
        with pytest.raises(SystemExit):
            main(["offers", *args])
        assert expected in capsys.readouterr().err
