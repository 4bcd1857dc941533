"""`offermap map` and `offermap unmap`: the manual path goes through decisions and apply."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from offermap.cli import app
from offermap.store import open_store
from offermap.store.audit import query_audit
from tests.factories import service, subscription
from tests.store_helpers import publish_snapshot

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "offermap.duckdb"
    monkeypatch.setenv("OFFERMAP_DB", str(path))
    publish_snapshot(
        path,
        "default",
        "sync-1",
        [
            service(1, "M365 Business Premium 1YR paid monthly"),
            service(2, "Azure plan (priced by mistake)", unit_cost=1.0, unit_price=1.5),
        ],
        [
            subscription(
                "guid-bp", "Microsoft 365 Business Premium", provider_offer_id="CFQ7TTC0LCHC:0002"
            ),
            subscription(
                "guid-plan",
                "Azure plan",
                offer_type="AzurePlan",
                term="NoTerm",
                provider_offer_id="DZH318Z0BPS6:0001",
            ),
        ],
    )
    return path


def _audit(db: Path) -> list[dict]:
    with open_store(db, read_only=True) as con:
        return query_audit(con)


def test_map_by_provider_offer_id_maps_and_audits(db: Path) -> None:
    result = runner.invoke(
        app, ["map", "CFQ7TTC0LCHC:0002/commercial/oneyear/monthly", "1", "--actor", "ana"]
    )
    assert result.exit_code == 0, result.output
    # Human identities: the offer's name and handle, the service's name and id.
    out = " ".join(result.stdout.split())
    assert out.startswith(
        "Mapped Microsoft 365 Business Premium (CFQ7TTC0LCHC:0002/Commercial/OneYear/Monthly) "
        "→ M365 Business Premium 1YR paid monthly #1"
    )
    assert "guid-bp" not in out
    (row,) = _audit(db)
    assert (row["operation"], row["status"], row["offer_id"], row["actor"]) == (
        "Create Connection Offer Mapping",
        "Succeeded",
        "guid-bp",
        "ana",
    )
    # The audit row keeps the names as they were at the time of the operation.
    assert (row["handle"], row["offer_name"], row["service_name"]) == (
        "CFQ7TTC0LCHC:0002/Commercial/OneYear/Monthly",
        "Microsoft 365 Business Premium",
        "M365 Business Premium 1YR paid monthly",
    )


def test_a_refused_mapping_says_which_rule_and_why(db: Path) -> None:
    result = runner.invoke(app, ["map", "DZH318Z0BPS6:0001/Commercial/NoTerm/Monthly", "2"])
    assert result.exit_code == 1
    assert "R6" in result.stderr and "unit cost" in result.stderr.lower()
    (row,) = _audit(db)
    assert (row["status"], row["details"]["rule"]) == ("Failed", "R6")


def test_unmap_removes_the_mapping(db: Path) -> None:
    assert runner.invoke(app, ["map", "guid-bp/Commercial/OneYear/Monthly", "1"]).exit_code == 0
    result = runner.invoke(app, ["unmap", "guid-bp/Commercial/OneYear/Monthly", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["unmapped"][0]["service_id"] == 1
    assert [r["operation"] for r in _audit(db)] == [
        "Delete Connection Offer Mapping",
        "Create Connection Offer Mapping",
    ]


def test_unmapping_an_unmapped_variant_is_refused_with_an_audit_row(db: Path) -> None:
    result = runner.invoke(app, ["unmap", "guid-bp/Commercial/OneYear/Monthly"])
    assert result.exit_code == 1 and "not mapped" in result.stderr
    assert _audit(db)[0]["status"] == "Failed"


def test_a_malformed_variant_is_explained(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from offermap.cli import main

    with pytest.raises(SystemExit):
        main(["map", "guid-bp/Commercial/Yearly", "1"])
    assert "OFFER/SEGMENT/TERM/BILLING" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["map", "guid-bp/Commercial/Yearly/Monthly", "1"])
    assert "unknown term 'Yearly'" in capsys.readouterr().err
