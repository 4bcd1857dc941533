"""Staging and publishing the two snapshots: land a run's rows, then swap them in atomically."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Literal

import duckdb
import pandas as pd

from offermap.settings import DEFAULT_MAX_SNAPSHOT_SHRINK
from offermap.store.db import StoreError, fetch_dicts, run_script, sql, transaction

Source = Literal["autotask", "cloudcockpit"]
SOURCES: tuple[Source, ...] = ("autotask", "cloudcockpit")

# Staging columns in table order (after run_id, connection_id, extracted_at).
AUTOTASK_COLUMNS: tuple[str, ...] = (
    "service_id",
    "name",
    "description",
    "invoice_description",
    "period_type",
    "period_type_label",
    "unit_cost",
    "unit_price",
    "is_active",
    "sku",
    "catalog_number_part_number",
    "manufacturer_service_provider_product_number",
    "external_id",
    "internal_id",
    "vendor_company_id",
    "last_modified_date",
)
CLOUDCOCKPIT_COLUMNS: tuple[str, ...] = (
    "subscription_id",
    "customer_id",
    "reseller_id",
    "offer_id",
    "provider_offer_id",
    "offer_name",
    "offer_type",
    "segment",
    "term",
    "billing_frequency",
    "status",
    "quantity",
    "start_date",
    "end_date",
    "is_trial",
    "is_addon",
)
_COLUMNS: dict[Source, tuple[str, ...]] = {
    "autotask": AUTOTASK_COLUMNS,
    "cloudcockpit": CLOUDCOCKPIT_COLUMNS,
}


def _now() -> datetime:
    return datetime.now(UTC)


def register_connection(
    con: duckdb.DuckDBPyConnection,
    connection_id: str,
    *,
    tenant: str | None = None,
    reseller_id: str | None = None,
) -> None:
    """Record the connection (idempotent), so every other row can name it."""
    run_script(
        con,
        "upsert_connection",
        {
            "connection_id": connection_id,
            "name": connection_id,
            "tenant": tenant,
            "reseller_id": reseller_id,
            "now": _now(),
        },
    )


def begin_sync(con: duckdb.DuckDBPyConnection, connection_id: str, run_id: str) -> None:
    """Supersede any earlier unpublished run of the connection and drop its staging rows."""
    with transaction(con):
        run_script(
            con, "begin_sync", {"connection_id": connection_id, "run_id": run_id, "now": _now()}
        )


def start_extract(
    con: duckdb.DuckDBPyConnection,
    connection_id: str,
    run_id: str,
    source: Source,
    correlation_id: str | None = None,
) -> None:
    """Mark a source's extraction as running and clear what an earlier attempt of it staged."""
    with transaction(con):
        run_script(
            con,
            "start_extract_run",
            {
                "run_id": run_id,
                "connection_id": connection_id,
                "source": source,
                "now": _now(),
                "correlation_id": correlation_id,
            },
        )
        run_script(con, f"discard_staged_{source}", {"run_id": run_id})


def land_rows(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    connection_id: str,
    run_id: str,
    extracted_at: datetime,
    rows: Sequence[dict[str, Any]],
) -> int:
    """Append one batch of records to the source's staging table; return how many."""
    if not rows:
        return 0
    return _land_batch(
        con, f"land_{source}", _COLUMNS[source], connection_id, run_id, extracted_at, rows
    )


def _land_batch(
    con: duckdb.DuckDBPyConnection,
    statement: str,
    columns: Sequence[str],
    connection_id: str,
    run_id: str,
    extracted_at: datetime,
    rows: Sequence[dict[str, Any]],
) -> int:
    """Run the staging statement on the rows, registered as `batch` with the run's columns
    first and None for every missing value; return how many rows."""
    frame = pd.DataFrame.from_records(
        [[row.get(c) for c in columns] for row in rows], columns=list(columns)
    )
    frame = frame.astype(object).where(frame.notna(), None)
    frame.insert(0, "extracted_at", extracted_at)
    frame.insert(0, "connection_id", connection_id)
    frame.insert(0, "run_id", run_id)
    con.register("batch", frame)
    try:
        con.execute(sql(statement))
    finally:
        con.unregister("batch")
    return len(frame)


CUSTOMER_COLUMNS: tuple[str, ...] = ("customer_id", "company_name")


def land_customers(
    con: duckdb.DuckDBPyConnection,
    connection_id: str,
    run_id: str,
    extracted_at: datetime,
    rows: Sequence[dict[str, Any]],
) -> int:
    """Stage the customers a run's CloudCockpit extraction read, and record that it read them.

    Staged with the subscriptions of the run and published with them (`publish`). Recording
    the count is what lets the publish replace the connection's names: a run that never gets
    here (its customers read failed) keeps the last good ones.

    Args:
        rows: one dict per customer with ``customer_id`` and ``company_name`` (None when
            CloudCockpit named no company).

    Returns:
        How many customers were staged.
    """
    with transaction(con):
        if rows:
            _land_batch(
                con,
                "land_cc_customers",
                CUSTOMER_COLUMNS,
                connection_id,
                run_id,
                extracted_at,
                rows,
            )
        run_script(con, "record_customers_read", {"run_id": run_id, "customers": len(rows)})
    return len(rows)


def finish_extract(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    source: Source,
    *,
    status: Literal["landed", "failed"],
    records: int | None,
    requests: int | None,
    error: str | None = None,
) -> None:
    """Record how a source's extraction ended; a failed one also drops its staged rows."""
    with transaction(con):
        run_script(
            con,
            "finish_extract_run",
            {
                "run_id": run_id,
                "source": source,
                "status": status,
                "records": records,
                "requests": requests,
                "error": error,
                "now": _now(),
            },
        )
        if status == "failed":
            run_script(con, f"discard_staged_{source}", {"run_id": run_id})


def record_period_labels(
    con: duckdb.DuckDBPyConnection, run_id: str, labels: Sequence[str]
) -> None:
    """Keep the periodType picklist labels the run's Autotask extraction read from the tenant."""
    run_script(con, "record_period_labels", {"run_id": run_id, "labels": sorted(set(labels))})


def period_labels(con: duckdb.DuckDBPyConnection, run_id: str) -> list[str] | None:
    """The periodType labels the run's Autotask extraction read; None if it recorded none."""
    rows = con.execute(sql("run_period_labels"), {"run_id": run_id}).fetchall()
    return list(rows[0][0]) if rows and rows[0][0] is not None else None


def staged_frame(con: duckdb.DuckDBPyConnection, source: Source, run_id: str) -> pd.DataFrame:
    """The rows a run staged for a source, as a DataFrame for the input suites."""
    return con.execute(sql(f"staged_{source}"), {"run_id": run_id}).df()


def latest_correlation_id(con: duckdb.DuckDBPyConnection, connection_id: str) -> str | None:
    """The X-Correlation-Id of the CloudCockpit extraction behind the published snapshot."""
    rows = con.execute(sql("latest_correlation_id"), {"connection_id": connection_id}).fetchall()
    return str(rows[0][0]) if rows and rows[0][0] else None


def run_status(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, dict[str, Any]]:
    """Each source's extract_runs row for a run, keyed by source."""
    return {
        row["source"]: row
        for row in fetch_dicts(con, sql("extract_run_status"), {"run_id": run_id})
    }


def mark_failed(con: duckdb.DuckDBPyConnection, run_id: str, error: str) -> None:
    """Fail every source of a run that has not been published, and drop its staging rows."""
    for source, row in run_status(con, run_id).items():
        if row["status"] in ("running", "landed"):
            finish_extract(
                con,
                run_id,
                source,  # type: ignore[arg-type]
                status="failed",
                records=row["records"],
                requests=row["requests"],
                error=error,
            )


class SnapshotShrinkError(StoreError):
    """A run would replace a snapshot with one that lost more than the operator's limit allows.

    `sizes` holds each shrinking source's (published, staged) record counts.
    """

    def __init__(self, sizes: dict[Source, tuple[int, int]], max_shrink: float) -> None:
        """Say what would shrink, by how much, and how to accept it if it is real."""
        changes: list[str] = []
        for source, (before, after) in sizes.items():
            verb = "would go from" if not changes else "from"
            gone = (before - after) / before
            changes.append(
                f"{_SNAPSHOT_NAMES[source]} {verb} {before} to {after} ({gone:.0%} gone)"
            )
        super().__init__(
            "the sync was not published and the last good snapshot stays: "
            + " and ".join(changes)
            + f", and OFFERMAP_MAX_SNAPSHOT_SHRINK allows {max_shrink:.0%} (was an answer of "
            "the API partial?); if they are really gone, run `offermap sync --accept-shrink` "
            "(the sync flow's accept_shrink parameter)"
        )
        self.sizes = sizes
        self.max_shrink = max_shrink


_SNAPSHOT_NAMES: dict[Source, str] = {
    "autotask": "Autotask services",
    "cloudcockpit": "CloudCockpit subscriptions",
}


def snapshot_sizes(
    con: duckdb.DuckDBPyConnection, connection_id: str, run_id: str
) -> dict[Source, tuple[int, int]]:
    """Each source's record count in the published snapshot and in what the run staged."""
    row = fetch_dicts(
        con, sql("snapshot_sizes"), {"connection_id": connection_id, "run_id": run_id}
    )[0]
    return {
        source: (int(row[f"{source}_before"]), int(row[f"{source}_after"])) for source in SOURCES
    }


def publish(
    con: duckdb.DuckDBPyConnection,
    connection_id: str,
    run_id: str,
    *,
    max_shrink: float = DEFAULT_MAX_SNAPSHOT_SHRINK,
    accept_shrink: bool = False,
) -> None:
    """Replace the connection's snapshots with the run's staged rows, in one transaction.

    A source whose snapshot would lose more than `max_shrink` of its records (a share, 0-1)
    is taken for a partial read, and nothing is published, unless `accept_shrink` says the
    loss is real. A first snapshot, or one that grows, is never refused.

    Raises:
        StoreError: a source of the run has not landed (failed, missing or still running).
        SnapshotShrinkError: a snapshot would shrink past `max_shrink`.
        Either way the published snapshots are left exactly as they were.
    """
    status = run_status(con, run_id)
    states = {source: status.get(source, {}).get("status", "missing") for source in SOURCES}
    not_landed = {source: state for source, state in states.items() if state != "landed"}
    if not_landed:
        described = ", ".join(f"{source} is {state}" for source, state in not_landed.items())
        raise StoreError(f"run {run_id} cannot be published: {described}")
    with transaction(con):
        # Counted inside the transaction that swaps, so the check sees what it replaces.
        shrunk = {
            source: (before, after)
            for source, (before, after) in snapshot_sizes(con, connection_id, run_id).items()
            if before - after > max_shrink * before
        }
        if shrunk and not accept_shrink:
            raise SnapshotShrinkError(shrunk, max_shrink)
        run_script(con, "publish_snapshots", {"connection_id": connection_id, "run_id": run_id})
