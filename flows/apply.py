"""The apply flow: validate approved decisions against the rules, then write them in one go."""

from __future__ import annotations

from typing import Any

from prefect import flow
from prefect.runtime import flow_run

from offermap.runs import new_run_id
from tasks.apply import apply_decisions_task
from tasks.artifacts import apply_artifacts
from tasks.context import resolve_target
from tasks.limits import writer_slot


def _run_name() -> str:
    connection_id, _ = resolve_target(flow_run.parameters.get("connection_id"), "-")
    return f"apply-{connection_id}"


@flow(name="apply", flow_run_name=_run_name)
def apply(connection_id: str | None = None, db_path: str | None = None) -> dict[str, Any]:
    """Apply a connection's pending decisions, with one audit row per decision.

    Holds the connection's writer slot while it runs and publishes the counts and the
    mappings applied and refused as artifacts.

    Args:
        connection_id: the connection's slug (default: OFFERMAP_CONNECTION).
        db_path: the DuckDB file (default: OFFERMAP_DB).
    """
    connection_id, db_path = resolve_target(connection_id, db_path)
    with writer_slot(connection_id, db_path):
        result = apply_decisions_task(db_path, connection_id, new_run_id("apply"))
    apply_artifacts(connection_id, result)
    return result
