"""Flow run names that tell runs apart: `<flow>-<connection>-<scheduled start, UTC>`.

A scheduled run is created by the Prefect server's scheduler with a random name
("crouching-alligator"), which the worker's log shows until the flow itself starts and
renames it. So each run also gives its deployment's upcoming scheduled runs their final names
ahead of time (and `make ui` does it for the first ones after deploying): by the time a worker
picks a run up, the worker's log and the UI show the same name as the run's own log.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tasks.context import resolve_target

# Enough to see every run the scheduler has planned (it keeps a few ahead per schedule).
_UPCOMING = 20


def run_name(flow: str, connection_id: str, when: datetime) -> str:
    """The name of a run of `flow` for `connection_id` scheduled (or started) at `when`."""
    return f"{flow}-{connection_id}-{when.astimezone(UTC):%Y%m%d-%H%M%S}"


def is_named(name: str, flow: str, connection_id: str) -> bool:
    """Whether a run already has its final name (rather than the scheduler's random one)."""
    return name.startswith(f"{flow}-{connection_id}-")


def current_run_name(flow: str) -> str:
    """The name of the flow run being started (a `flow_run_name` callable's body)."""
    from prefect.runtime import flow_run

    connection_id, _ = resolve_target(flow_run.parameters.get("connection_id"), "-")
    scheduled = flow_run.scheduled_start_time
    when = scheduled if isinstance(scheduled, datetime) else datetime.now(UTC)
    return run_name(flow, connection_id, when)


def name_upcoming_runs(flow: str) -> int:
    """Give this deployment's scheduled runs their final names now; how many were renamed.

    Best effort: a run of a flow called outside a deployment has nothing to name, and a
    failure to rename never fails the run (the name is for people).
    """
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterId,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.client.schemas.sorting import FlowRunSort
    from prefect.logging import get_run_logger
    from prefect.runtime import deployment

    deployment_id = deployment.id
    if not deployment_id:
        return 0
    renamed = 0
    try:
        with get_client(sync_client=True) as client:
            upcoming = client.read_flow_runs(
                deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id])),
                flow_run_filter=FlowRunFilter(
                    state=FlowRunFilterState(
                        type=FlowRunFilterStateType(any_=[StateType.SCHEDULED])
                    )
                ),
                sort=FlowRunSort.EXPECTED_START_TIME_ASC,
                limit=_UPCOMING,
            )
            for run in upcoming:
                name = planned_name(flow, run.parameters, run.name, run.expected_start_time)
                if name:
                    client.update_flow_run(run.id, name=name)
                    renamed += 1
    except Exception as exc:  # the names are for people: never fail a run over them
        get_run_logger().warning("Could not name the upcoming runs of this deployment: %s", exc)
    return renamed


def planned_name(
    flow: str, parameters: dict[str, Any], current: str, expected_start: datetime | None
) -> str | None:
    """The final name a scheduled run should get, or None when it has it (or cannot get it)."""
    connection_id = parameters.get("connection_id")
    if not connection_id or expected_start is None or is_named(current, flow, connection_id):
        return None
    return run_name(flow, str(connection_id), expected_start)
