"""Shared by the reliability suites: sync stages run in the flow's order, and state snapshots."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

from expectations.suites import input_suites
from offermap.acquired.derive import derive
from offermap.autotask import AutotaskClient
from offermap.autotask.filters import FilterArg
from offermap.autotask.models import Service
from offermap.cloudcockpit import CloudCockpitClient
from offermap.extract.autotask_services import extract_services
from offermap.extract.cloudcockpit_subscriptions import extract_subscriptions
from offermap.extract.publish import publish_snapshots, start_sync, validate_inputs
from offermap.sandbox import SandboxServer
from offermap.settings import load_autotask_settings, load_cloudcockpit_settings
from offermap.store import open_store

# Small pages make a small tenant take many requests, so that a 20% fault rate really bites.
AUTOTASK_PAGE = 10
CLOUDCOCKPIT_PAGE = 10


class SmallPageAutotaskClient(AutotaskClient):
    """An Autotask client that asks for small pages (MaxRecords), everything else unchanged."""

    def iter_services(
        self,
        filter: FilterArg = None,
        *,
        on_page: Any = None,
        count_first: bool = True,
        max_records: int | None = None,
    ) -> Iterator[Service]:
        """Every service, `AUTOTASK_PAGE` records a page unless told otherwise."""
        return super().iter_services(
            filter,
            on_page=on_page,
            count_first=count_first,
            max_records=max_records or AUTOTASK_PAGE,
        )


def _fields(env: dict[str, str], prefix: str) -> dict[str, str]:
    """Settings fields from environment variables: AUTOTASK_API_URL -> api_url."""
    return {k.removeprefix(prefix).lower(): v for k, v in env.items() if k.startswith(prefix)}


def clients(server: SandboxServer, **overrides: str) -> tuple[AutotaskClient, CloudCockpitClient]:
    """Both clients for a sandbox, with small pages.

    `overrides` are extra settings by environment-variable name, e.g. AUTOTASK_TIMEOUT_SECONDS.
    """
    env = {**server.env(), "CLOUDCOCKPIT_PAGE_SIZE": str(CLOUDCOCKPIT_PAGE), **overrides}
    return (
        SmallPageAutotaskClient(load_autotask_settings(**_fields(env, "AUTOTASK_"))),
        CloudCockpitClient(load_cloudcockpit_settings(**_fields(env, "CLOUDCOCKPIT_"))),
    )


def sync_stages(
    db: Path,
    connection_id: str,
    run_id: str,
    autotask: AutotaskClient,
    cloudcockpit: CloudCockpitClient,
) -> None:
    """What the `sync` flow does up to deriving acquired offers, in its order: both extracts at
    once, then validate, publish and derive; the first stage that raises stops it, as in the flow.
    """
    start_sync(db, connection_id, run_id)
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix=f"extract-{connection_id}") as pool:
        services = pool.submit(extract_services, db, connection_id, run_id, client=autotask)
        subscriptions = pool.submit(
            extract_subscriptions, db, connection_id, run_id, client=cloudcockpit
        )
        wait([services, subscriptions])
    services.result()
    subscriptions.result()
    validate_inputs(db, connection_id, run_id, suites=input_suites())
    publish_snapshots(db, connection_id, run_id)
    derive(db, connection_id, run_id)


_SNAPSHOT_QUERIES = {
    "at_services": "SELECT * EXCLUDE (extracted_at, run_id) FROM at_services "
    "WHERE connection_id = ? ORDER BY service_id",
    "cc_subscriptions": "SELECT * EXCLUDE (extracted_at, run_id) FROM cc_subscriptions "
    "WHERE connection_id = ? ORDER BY subscription_id",
    "acquired_offers": "SELECT * EXCLUDE (derived_at, run_id) FROM acquired_offers "
    "WHERE connection_id = ? ORDER BY offer_id, segment, term, billing_frequency",
}


def published_snapshot(db: Path, connection_id: str) -> dict[str, list[tuple[Any, ...]]]:
    """The connection's published snapshots and acquired variants, without run metadata."""
    with open_store(db, read_only=True) as con:
        return {
            table: con.execute(query, [connection_id]).fetchall()
            for table, query in _SNAPSHOT_QUERIES.items()
        }


def table_text(db: Path) -> Iterator[tuple[str, str]]:
    """Every value of every table of the database as text: (table, value)."""
    with open_store(db, read_only=True) as con:
        tables = [
            row[0]
            for row in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE'"
            ).fetchall()
        ]
        for table in tables:
            for row in con.execute(f'SELECT * FROM "{table}"').fetchall():
                for value in row:
                    if value is not None:
                        yield table, str(value)
