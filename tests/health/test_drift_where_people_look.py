"""Drift where people look: `sync` says how many mappings drifted, `offers` marks them, and
`offermap health` lists them with what changed and what to do."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from offermap.cli import app
from offermap.cli.run_summaries import print_sync_summary
from tests.factories import service, subscription
from tests.store_helpers import publish_snapshot

runner = CliRunner()
M365 = "CFQ7TTC0LCHC:0002/Commercial/OneYear/Monthly"
PLAN = "DZH318Z0BPS6:0001/Commercial/NoTerm/Monthly"
E3 = "CFQ7TTC0LFLX:0001/Commercial/OneYear/Monthly"


def _publish(path: Path, run_id: str, *, drifted: bool) -> None:
    """The connection as first synced, or after a service was deactivated and the Azure
    plan's service priced (the issue's drift)."""
    publish_snapshot(
        path,
        "default",
        run_id,
        [
            service(1, "M365 Business Premium monthly", is_active=not drifted),
            service(2, "Azure consumption", unit_cost=0.0, unit_price=1.5 if drifted else 0.0),
            service(3, "M365 E3 monthly"),
        ],
        [
            subscription(
                "bp", "Microsoft 365 Business Premium", provider_offer_id="CFQ7TTC0LCHC:0002"
            ),
            subscription(
                "plan",
                "Azure plan",
                offer_type="AzurePlan",
                term="NoTerm",
                provider_offer_id="DZH318Z0BPS6:0001",
            ),
            subscription("e3", "Microsoft 365 E3", provider_offer_id="CFQ7TTC0LFLX:0001"),
        ],
    )


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "offermap.duckdb"
    monkeypatch.setenv("OFFERMAP_DB", str(path))
    _publish(path, "sync-1", drifted=False)
    for handle, service_id in ((M365, "1"), (PLAN, "2"), (E3, "3")):
        assert runner.invoke(app, ["map", handle, service_id]).exit_code == 0
    _publish(path, "sync-2", drifted=True)
    return path


def _json(args: list[str]) -> Any:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_the_sync_summary_says_how_many_mappings_drifted(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    print_sync_summary(
        {
            "connection_id": "default",
            "run_id": "sync-2",
            "db_path": str(db),
            "extract": {"autotask": {"records": 3}, "cloudcockpit": {"records": 3}},
            "variants": {"mapped": 3},
            "proposals": {"variants_by_status": {}},
        }
    )
    out = " ".join(capsys.readouterr().out.split())
    assert "2 of 3 mappings drifted (R2: 1, R6: 1)" in out and "offermap health" in out


@pytest.mark.parametrize(("catalogue_offers", "hinted"), [(0, True), (12, False)])
def test_the_sync_summary_asks_for_a_price_list_only_when_none_was_imported(
    catalogue_offers: int, hinted: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    print_sync_summary(
        {
            "connection_id": "default",
            "run_id": "sync-1",
            "extract": {"autotask": {"records": 3}, "cloudcockpit": {"records": 3}},
            "variants": {"unmapped": 3},
            "proposals": {
                "variants_by_status": {"proposed": 2, "abstained": 1},
                "catalogue_offers": catalogue_offers,
            },
        }
    )
    out = " ".join(capsys.readouterr().out.split())
    assert ("`offermap catalogue import FILE`" in out) is hinted


def test_offers_marks_drifted_mappings_and_filters_them(db: Path) -> None:
    rows = {r["handle"]: r for r in _json(["offers", "--show-mapped"])}
    assert [d["rule"] for d in rows[M365]["drift"]] == ["R2"]
    assert [d["rule"] for d in rows[PLAN]["drift"]] == ["R6"]
    assert rows[E3]["drift"] == []
    assert {r["handle"] for r in _json(["offers", "--status", "drifted"])} == {M365, PLAN}
    for width in ("80", "200"):
        out = runner.invoke(app, ["offers", "--show-mapped"], env={"COLUMNS": width}).stdout
        assert "DRIFT R2" in out and "DRIFT R6" in out
        assert "2 mapping(s) drifted: `offermap health`" in " ".join(out.split())


def test_health_lists_each_drift_with_what_changed_and_what_to_do(db: Path) -> None:
    payload = _json(["health"])
    assert payload["summary"]["drifted"] == 2 and payload["summary"]["healthy"] == 1
    by_handle = {row["handle"]: row for row in payload["drift"]}
    assert "inactive" in by_handle[M365]["what_changed"]
    assert "unit price 1.5" in by_handle[PLAN]["what_changed"]
    out = " ".join(runner.invoke(app, ["health"], env={"COLUMNS": "80"}).stdout.split())
    assert "2 drifted (R2: 1, R6: 1)" in out
    assert f"`offermap unmap {M365}`" in out and "what to do:" in out


def test_the_drifted_mappings_can_be_unmapped_from_the_health_sheet(db: Path) -> None:
    result = runner.invoke(app, ["health", "--csv"])
    sheet = Path(db).parent / "drifted.csv"
    sheet.write_text(result.stdout)
    assert {r["handle"] for r in csv.DictReader(io.StringIO(result.stdout))} == {M365, PLAN}
    unmapped = _json(["unmap", "--from-csv", str(sheet)])
    assert len(unmapped["unmapped"]) == 2
    assert _json(["health"])["summary"]["drifted"] == 0
