"""The sync flow: extract both sides, validate, publish, derive acquired offers, propose."""

from __future__ import annotations

from typing import Any

from prefect import flow
from prefect.futures import wait

from offermap.runs import new_run_id
from tasks.artifacts import sync_summary_artifact
from tasks.context import resolve_target
from tasks.sync import (
    derive_acquired_task,
    extract_services_task,
    extract_subscriptions_task,
    propose_task,
    publish_snapshots_task,
    start_sync_task,
    validate_inputs_task,
)


@flow(name="sync")
def sync(connection_id: str | None = None, db_path: str | None = None) -> dict[str, Any]:
    """Bring a connection's snapshots up to date and propose mappings for unmapped offers.

    Args:
        connection_id: the connection's slug (default: OFFERMAP_CONNECTION).
        db_path: the DuckDB file (default: OFFERMAP_DB).
    """
    connection_id, db_path = resolve_target(connection_id, db_path)
    run_id = new_run_id("sync")
    start_sync_task(db_path, connection_id, run_id)
    services = extract_services_task.submit(db_path, connection_id, run_id)
    subscriptions = extract_subscriptions_task.submit(db_path, connection_id, run_id)
    wait([services, subscriptions])
    extract = {"autotask": services.result(), "cloudcockpit": subscriptions.result()}
    validate_inputs_task(db_path, connection_id, run_id)
    publish_snapshots_task(db_path, connection_id, run_id)
    variants = derive_acquired_task(db_path, connection_id, run_id)
    proposals = propose_task(db_path, connection_id, run_id)
    summary = {
        "run_id": run_id,
        "connection_id": connection_id,
        "db_path": db_path,
        "extract": extract,
        "variants": variants,
        "proposals": proposals,
    }
    sync_summary_artifact(connection_id, summary)
    return summary
