"""The apply flow: validate approved decisions against the rules, then write them in one go."""

from __future__ import annotations

from typing import Any

from prefect import flow
from prefect.states import Completed

from flows.naming import current_run_name, name_upcoming_runs
from flows.outcome import ends_as
from offermap.runs import new_run_id
from tasks.apply import apply_decisions_task
from tasks.artifacts import apply_artifacts, apply_message
from tasks.context import resolve_target
from tasks.limits import writer_slot


def _run_name() -> str:
    return current_run_name("apply")


@flow(name="apply", flow_run_name=_run_name)
def apply(connection_id: str | None = None, db_path: str | None = None) -> dict[str, Any]:
    """Apply a connection's pending decisions, with one audit row per decision.

    Holds the connection's writer lock while it runs and publishes the counts, the decisions
    (refused first) and each refusal's reason as artifacts. The run's state says what it did
    ("39 applied, 2 refused (R3, R4)"); a run that refused decisions ends in the state
    "Completed with refusals".

    Args:
        connection_id: the connection's slug (default: OFFERMAP_CONNECTION).
        db_path: the DuckDB file (default: OFFERMAP_DB).

    Returns:
        The apply result: what was applied, unchanged, unmapped and refused (as `failed`).
    """
    connection_id, db_path = resolve_target(connection_id, db_path)
    name_upcoming_runs("apply")
    with writer_slot(connection_id, db_path):
        result = apply_decisions_task(db_path, connection_id, new_run_id("apply"))
    apply_artifacts(connection_id, result)
    if result["failed"]:
        return ends_as(
            Completed(name="Completed with refusals", message=apply_message(result), data=result)
        )
    return ends_as(Completed(message=apply_message(result), data=result))
