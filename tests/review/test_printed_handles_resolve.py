"""Every handle offermap prints is accepted back, and mapping health's R9 advice works as printed.

The issue this guards: when customers dropped an offer, mapping health flagged it (R9) and
advised `offermap unmap HANDLE`, but that handle could not be resolved (the variant was no
longer acquired) and apply refused it as "the offer variant is not mapped".
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from offermap.cli import app
from offermap.review.handles import resolve_handle
from tests.factories import service, subscription
from tests.store_helpers import publish_snapshot

runner = CliRunner()
CONNECTION = "default"
KEPT = "CFQ7TTC0LFLX:0001/Commercial/OneYear/Monthly"
DROPPED = "CFQ7TTC0LCHC:0002/Commercial/OneYear/Monthly"


def _subscriptions(*, dropped_status: str) -> list[dict[str, Any]]:
    return [
        subscription("e3", "Microsoft 365 E3", provider_offer_id="CFQ7TTC0LFLX:0001"),
        subscription(
            "bp",
            "Microsoft 365 Business Premium",
            provider_offer_id="CFQ7TTC0LCHC:0002",
            status=dropped_status,
        ),
        subscription("bp-yearly", "Microsoft 365 Business Premium", billing_frequency="Annual"),
    ]


def _services() -> list[dict[str, Any]]:
    return [
        service(1, "M365 E3 monthly"),
        service(2, "M365 Business Premium monthly"),
        service(3, "M365 Business Premium yearly", period_type_label="Yearly"),
    ]


def _run(*args: str) -> Any:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Both variants mapped; then every customer of Business Premium monthly let it expire."""
    path = tmp_path / "offermap.duckdb"
    monkeypatch.setenv("OFFERMAP_DB", str(path))
    publish_snapshot(
        path, CONNECTION, "sync-1", _services(), _subscriptions(dropped_status="Active")
    )
    assert runner.invoke(app, ["map", KEPT, "1"]).exit_code == 0
    assert runner.invoke(app, ["map", DROPPED, "2"]).exit_code == 0
    publish_snapshot(
        path, CONNECTION, "sync-2", _services(), _subscriptions(dropped_status="Expired")
    )
    return path


def test_the_r9_advice_of_mapping_health_works_as_printed(db: Path) -> None:
    out = runner.invoke(app, ["health"], env={"COLUMNS": "80"}).stdout
    commands = re.findall(r"`(offermap unmap [^`]+)`", " ".join(out.split()))
    advice = [command for command in commands if "--from-csv" not in command]
    assert advice == [f"offermap unmap {DROPPED}"], out

    result = runner.invoke(app, advice[0].split()[1:])

    assert result.exit_code == 0, result.output
    assert "not mapped" not in result.output
    assert _run("health")["summary"]["drifted"] == 0
    audit = _run("audit")
    assert audit[0]["operation"] == "Delete Connection Offer Mapping"
    assert audit[0]["status"] == "Succeeded"


def _printed_handles(payload: Any) -> set[str]:
    """Every value under a key named `handle` anywhere in a JSON payload."""
    found: set[str] = set()
    if isinstance(payload, dict):
        for key, value in payload.items():
            if key == "handle" and isinstance(value, str):
                found.add(value)
            else:
                found |= _printed_handles(value)
    elif isinstance(payload, list):
        for item in payload:
            found |= _printed_handles(item)
    return found


def test_every_handle_a_listing_prints_resolves_to_its_variant(db: Path) -> None:
    listings = {
        "offers": _run("offers", "--show-mapped"),
        "health": _run("health"),
        "audit": _run("audit"),
        "proposals": _run("proposals", "--all"),
    }
    printed = {name: _printed_handles(payload) for name, payload in listings.items()}
    assert printed["offers"] and printed["health"] and printed["audit"], printed
    for name, handles in printed.items():
        for handle in handles:
            key = resolve_handle(db, CONNECTION, handle)
            # Printed and resolved name the same variant: the handle's tail is the key's.
            assert handle.split("/")[1:] == [key.segment, key.term, key.billing_frequency], name
