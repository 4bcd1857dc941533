"""The apply flow: validate approved decisions against the rules, then write them in one go."""

from __future__ import annotations

from typing import Any

from prefect import flow

from offermap.runs import new_run_id
from tasks.apply import apply_decisions_task
from tasks.artifacts import apply_summary_artifact
from tasks.context import resolve_target


@flow(name="apply")
def apply(connection_id: str | None = None, db_path: str | None = None) -> dict[str, Any]:
    """Apply a connection's pending decisions, with one audit row per decision.

    Args:
        connection_id: the connection's slug (default: OFFERMAP_CONNECTION).
        db_path: the DuckDB file (default: OFFERMAP_DB).
    """
    connection_id, db_path = resolve_target(connection_id, db_path)
    result = apply_decisions_task(db_path, connection_id, new_run_id("apply"))
    apply_summary_artifact(connection_id, result)
    return result
