"""`offermap offers --show-customers` names customers as CloudCockpit does, after a real sync.

The sync runs its library stages against a sandbox whose tenant was changed on purpose: one
customer holding an offer is missing from CloudCockpit's customer list (it must show by id,
and the sync must not fail) and another has a hostile company name (printed as it is,
neutralised in --csv).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import os
import shutil
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from expectations.suites import input_suites
from offermap.acquired.derive import derive
from offermap.cli import app
from offermap.extract.autotask_services import extract_services
from offermap.extract.cloudcockpit_subscriptions import extract_subscriptions
from offermap.extract.publish import publish_snapshots, start_sync, validate_inputs
from offermap.sandbox import SandboxServer, build_tenant
from offermap.store import fetch_dicts, open_store

runner = CliRunner()
CONNECTION = "names"
HOSTILE = "=HYPERLINK(1) [link=https://evil.example]x[/link] Ltd"
ACQUIRED = ("Active", "Suspended")


@dataclasses.dataclass(frozen=True)
class NamedTenant:
    """The sandbox serving the changed tenant, and which customers were changed."""

    server: SandboxServer
    hostile_id: str
    missing_id: str
    # A customer left as it was, and its name.
    named_id: str
    named: str
    # The handle-less key of a variant held by all three (and by no more than five).
    variant: tuple[str, str, str, str]


def _holders(tenant: Any) -> dict[tuple[str, str, str, str], set[str]]:
    held: dict[tuple[str, str, str, str], set[str]] = defaultdict(set)
    for sub in tenant.cc_subscriptions:
        if sub["subscriptionStatus"]["name"] in ACQUIRED:
            key = (
                sub["offerId"],
                sub["segment"]["name"],
                sub["termDuration"]["name"],
                sub["billingFrequency"]["name"],
            )
            held[key].add(sub["customerId"])
    return held


@pytest.fixture(scope="module")
def named_tenant() -> Iterator[NamedTenant]:
    """A small tenant with one customer missing from the customer list and one hostile name."""
    tenant = build_tenant(scale="small", seed=7)
    # A variant with three to five holders: the table shows up to five names per variant.
    variant, holders = next(
        (key, sorted(ids)) for key, ids in sorted(_holders(tenant).items()) if 3 <= len(ids) <= 5
    )
    hostile_id, missing_id, named_id = holders[:3]
    customers = []
    for customer in tenant.cc_customers:
        if customer["id"] == missing_id:
            continue  # CloudCockpit's list lacks it: its subscriptions still name it by id
        if customer["id"] == hostile_id:
            customer = {**customer, "companyName": HOSTILE}
        customers.append(customer)
    named = next(c["companyName"] for c in customers if c["id"] == named_id)
    changed = dataclasses.replace(tenant, cc_customers=customers)
    with SandboxServer(tenant=changed, port=0) as server:
        yield NamedTenant(server, hostile_id, missing_id, named_id, named, variant)


def _sync(db: Path, run_id: str) -> None:
    """The sync flow's stages, in its order, without Prefect."""
    start_sync(db, CONNECTION, run_id)
    extract_services(db, CONNECTION, run_id)
    result = extract_subscriptions(db, CONNECTION, run_id)
    assert result.customers is not None and result.customers > 0
    validate_inputs(db, CONNECTION, run_id, suites=input_suites())
    publish_snapshots(db, CONNECTION, run_id)
    derive(db, CONNECTION, run_id)


@pytest.fixture(scope="module")
def synced_once(named_tenant: NamedTenant, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store synced from the changed tenant, once for the module."""
    db = tmp_path_factory.mktemp("named") / "offermap.duckdb"
    with pytest.MonkeyPatch.context() as env:
        for name, value in named_tenant.server.env().items():
            env.setenv(name, value)
        _sync(db, "sync-names-1")
    return db


@pytest.fixture
def synced(
    named_tenant: NamedTenant,
    synced_once: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> NamedTenant:
    """A copy of the synced store for one test; the commands read it."""
    for name, value in named_tenant.server.env().items():
        monkeypatch.setenv(name, value)
    db = tmp_path / "offermap.duckdb"
    shutil.copyfile(synced_once, db)
    monkeypatch.setenv("OFFERMAP_DB", str(db))
    monkeypatch.setenv("OFFERMAP_CONNECTION", CONNECTION)
    return named_tenant


def _flat(text: str) -> str:
    """The output with its line breaks and indentation folded into single spaces."""
    return " ".join(text.split())


def _variant_row(rows: list[dict[str, Any]], variant: tuple[str, str, str, str]) -> dict[str, Any]:
    keys = ("offer_id", "segment", "term", "billing_frequency")
    return next(r for r in rows if tuple(r[k] for k in keys) == variant)


def test_the_sync_stores_the_names_and_a_customer_missing_from_the_list_has_none(
    synced: NamedTenant,
) -> None:
    with open_store(Path(os.environ["OFFERMAP_DB"]), read_only=True) as con:
        rows = fetch_dicts(
            con,
            "SELECT customer_id, company_name FROM cc_customers WHERE connection_id = ?",
            [CONNECTION],
        )
    names = {r["customer_id"]: r["company_name"] for r in rows}
    assert names[synced.hostile_id] == HOSTILE
    assert names[synced.named_id] == synced.named
    assert synced.missing_id not in names
    assert len(names) == len(synced.server.tenant.cc_customers)


@pytest.mark.parametrize("width", ["80", "200"])
def test_offers_show_customers_prints_names_literally_and_the_missing_one_by_id(
    synced: NamedTenant, width: str
) -> None:
    for customer in (synced.named, HOSTILE, synced.missing_id):
        result = runner.invoke(
            app,
            ["offers", "--show-customers", "--no-pager", "--customer", customer],
            env={"COLUMNS": width},
        )
        assert result.exit_code == 0, result.output
        # Printed as it is: the markup is text, not a link, and the name is whole.
        assert _flat(customer) in _flat(result.stdout), result.stdout
    # Ids are for scripts: a named customer's id is not printed, its name is.
    result = runner.invoke(
        app,
        ["offers", "--show-customers", "--no-pager", "--customer", synced.named],
        env={"COLUMNS": width},
    )
    assert synced.named_id not in result.stdout


def test_offers_json_gives_names_and_ids_in_the_same_order(synced: NamedTenant) -> None:
    result = runner.invoke(app, ["offers", "--json", "--show-mapped"])
    assert result.exit_code == 0, result.output
    row = _variant_row(json.loads(result.stdout), synced.variant)
    held = dict(zip(row["customer_ids"], row["customers_held_by"], strict=True))
    assert held[synced.hostile_id] == HOSTILE
    assert held[synced.named_id] == synced.named
    assert held[synced.missing_id] == synced.missing_id
    # Names in name order, then the customer shown by id.
    names = row["customers_held_by"]
    assert names[-1] == synced.missing_id
    assert names[:-1] == sorted(names[:-1], key=lambda n: (n.casefold(), n))
    assert len(row["customer_ids"]) == row["customers"]


def test_offers_csv_neutralises_a_hostile_name(synced: NamedTenant) -> None:
    result = runner.invoke(app, ["offers", "--csv", "--customer", synced.hostile_id])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows
    for row in rows:
        names = row["customers_held_by"].split("; ")
        ids = row["customer_ids"].split(" ")
        assert len(names) == len(ids)
        # The hostile name sorts first (`=` before letters), so it starts the cell: a
        # spreadsheet would run it, so it gets a leading quote.
        assert row["customers_held_by"].startswith("'" + HOSTILE)
        assert synced.hostile_id in ids


def test_customers_filter_matches_names_too(synced: NamedTenant) -> None:
    result = runner.invoke(app, ["offers", "--json", "--customer", synced.named.upper()])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert rows and all(synced.named in r["customers_held_by"] for r in rows)
