"""The CloudCockpit extraction reads the customers' names once, at the minimum of requests,
and a customers read that fails costs the names of one sync, never the sync."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from offermap.cloudcockpit import CloudCockpitClient, CloudCockpitFatalError, Customer, OnPage
from offermap.extract.cloudcockpit_subscriptions import extract_subscriptions
from offermap.extract.publish import start_sync
from offermap.sandbox import SandboxServer, build_tenant
from offermap.settings import load_cloudcockpit_settings
from offermap.store import fetch_dicts, open_store
from offermap.store.snapshots import publish, run_status

PAGE_SIZE = 10
CONNECTION = "names"


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[SandboxServer]:
    """A sandbox of its own, so that its request counters count this test's requests only."""
    with SandboxServer(tenant=build_tenant(scale="small", seed=7), port=0) as sandbox:
        for name, value in sandbox.env().items():
            monkeypatch.setenv(name, value)
        yield sandbox


def _requests(sandbox: SandboxServer) -> dict[str, int]:
    return {f"{m} {k}": n for (m, k), n in sandbox.cloudcockpit.stats.requests.items()}


def _staged_names(db: Path, run_id: str) -> dict[str, Any]:
    with open_store(db, read_only=True) as con:
        rows = fetch_dicts(
            con, "SELECT customer_id, company_name FROM stg_cc_customers WHERE run_id = ?", [run_id]
        )
    return {r["customer_id"]: r["company_name"] for r in rows}


def test_the_csp_context_reads_subscription_and_customer_pages_once_each(
    server: SandboxServer, tmp_path: Path
) -> None:
    tenant = server.tenant
    db = tmp_path / "db.duckdb"
    start_sync(db, CONNECTION, "run-1")
    with CloudCockpitClient(load_cloudcockpit_settings(page_size=PAGE_SIZE)) as client:
        result = extract_subscriptions(db, CONNECTION, "run-1", client=client)
    subscription_pages = math.ceil(len(tenant.cc_subscriptions) / PAGE_SIZE)
    customer_pages = math.ceil(len(tenant.cc_customers) / PAGE_SIZE)
    # The minimum: token + subscription pages + customer pages, no page read twice.
    assert _requests(server) == {
        "POST token": 1,
        "GET v1/subscriptions": subscription_pages,
        "GET v1/customers": customer_pages,
    }
    assert result.requests == subscription_pages + customer_pages
    assert result.customers == len(tenant.cc_customers)
    assert _staged_names(db, "run-1") == {c["id"]: c["companyName"] for c in tenant.cc_customers}


def test_the_reseller_context_names_customers_from_the_list_it_already_read(
    server: SandboxServer, tmp_path: Path
) -> None:
    tenant = server.tenant
    reseller = sorted({c["resellerId"] for c in tenant.cc_customers if c["resellerId"]})[0]
    mine = [c for c in tenant.cc_customers if c["resellerId"] == reseller]
    assert mine
    db = tmp_path / "db.duckdb"
    start_sync(db, CONNECTION, "run-1", reseller_id=reseller)
    settings = load_cloudcockpit_settings(page_size=PAGE_SIZE, reseller_id=reseller)
    with CloudCockpitClient(settings) as client:
        result = extract_subscriptions(db, CONNECTION, "run-1", client=client)
    requests = _requests(server)
    # The customers are read once, to reach their subscriptions, and not again for names.
    assert requests["GET v1/customers"] == math.ceil(len(mine) / PAGE_SIZE)
    assert result.customers == len(mine)
    assert _staged_names(db, "run-1") == {c["id"]: c["companyName"] for c in mine}


class _CustomersRefused(CloudCockpitClient):
    """A client whose customers read fails, as when the API access may not list customers."""

    def iter_customers(
        self, reseller_id: str | None = None, *, on_page: OnPage | None = None
    ) -> Iterator[Customer]:
        """Fail as a customers read CloudCockpit refuses would."""
        raise CloudCockpitFatalError(
            "GET v1/Customers failed with 403 Forbidden", endpoint="GET v1/Customers"
        )


def test_a_failed_customers_read_lands_the_subscriptions_and_keeps_the_last_names(
    server: SandboxServer, tmp_path: Path
) -> None:
    db = tmp_path / "db.duckdb"
    first = server.tenant.cc_customers[0]
    for run_id, client_class in (("run-1", CloudCockpitClient), ("run-2", _CustomersRefused)):
        start_sync(db, CONNECTION, run_id)
        with client_class(load_cloudcockpit_settings()) as client:
            result = extract_subscriptions(db, CONNECTION, run_id, client=client)
        assert result.records == len(server.tenant.cc_subscriptions)
        with open_store(db) as con:
            # Only the CloudCockpit side is under test: an empty Autotask side lands as is.
            con.execute(
                "INSERT INTO extract_runs (run_id, connection_id, source, started_at, status) "
                "VALUES (?, ?, 'autotask', now(), 'landed')",
                [run_id, CONNECTION],
            )
            publish(con, CONNECTION, run_id, accept_shrink=True)
            assert run_status(con, run_id)["cloudcockpit"]["status"] == "published"
    assert result.customers is None
    with open_store(db, read_only=True) as con:
        kept = fetch_dicts(
            con, "SELECT company_name FROM cc_customers WHERE customer_id = ?", [first["id"]]
        )
    assert kept == [{"company_name": first["companyName"]}]
