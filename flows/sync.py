"""The sync flow: extract both sides, validate, publish, derive acquired offers, propose."""

from __future__ import annotations

from typing import Any

from prefect import flow
from prefect.futures import wait
from prefect.states import Completed, Failed

from flows.naming import current_run_name, name_upcoming_runs
from flows.outcome import ends_as
from offermap.runs import new_run_id
from tasks.artifacts import proposals_artifact, sync_counts_artifact, sync_message
from tasks.context import failure_text, resolve_target
from tasks.limits import writer_slot
from tasks.sync import (
    abandon_sync_task,
    derive_acquired_task,
    extract_services_task,
    extract_subscriptions_task,
    propose_task,
    publish_snapshots_task,
    start_sync_task,
    validate_inputs_task,
)


def _run_name() -> str:
    return current_run_name("sync")


@flow(name="sync", flow_run_name=_run_name)
def sync(
    connection_id: str | None = None,
    db_path: str | None = None,
    autotask_database: str | None = None,
    accept_shrink: bool = False,
) -> dict[str, Any]:
    """Bring a connection's snapshots up to date and propose mappings for unmapped offers.

    Holds the connection's writer lock for the whole run and publishes artifacts: counts per
    stage (every source that was read, even when the other failed), the input suites' results,
    the proposals awaiting review, and where and why a failed run stopped. The run's state
    message says what it did, or "failed at validate: 2 expectations failed".

    Args:
        connection_id: the connection's slug (default: OFFERMAP_CONNECTION).
        db_path: the DuckDB file (default: OFFERMAP_DB).
        autotask_database: names the Autotask database whose request rate limit this run
            shares; connections of one Autotask instance give the same name (default: the
            connection id).
        accept_shrink: publish even if the services or subscriptions shrink past
            OFFERMAP_MAX_SNAPSHOT_SHRINK, when the operator knows they are really gone.
    """
    connection_id, db_path = resolve_target(connection_id, db_path)
    name_upcoming_runs("sync")
    run_id = new_run_id("sync")
    summary: dict[str, Any] = {"run_id": run_id, "connection_id": connection_id, "db_path": db_path}
    with writer_slot(connection_id, db_path):
        step = "start"
        try:
            start_sync_task(db_path, connection_id, run_id)
            step = "extract"
            services = extract_services_task.submit(
                db_path, connection_id, run_id, autotask_database or connection_id
            )
            subscriptions = extract_subscriptions_task.submit(db_path, connection_id, run_id)
            wait([services, subscriptions])
            # Each source that was read is counted, even when the other failed.
            summary["extract"] = {}
            failure: Exception | None = None
            for source, future in (("autotask", services), ("cloudcockpit", subscriptions)):
                try:
                    summary["extract"][source] = future.result()
                except Exception as exc:
                    failure = failure or exc
            if failure is not None:
                raise failure
            step = "validate"
            summary["validation"] = validate_inputs_task(db_path, connection_id, run_id)
            step = "publish"
            publish_snapshots_task(db_path, connection_id, run_id, accept_shrink)
            step = "derive"
            summary["variants"] = derive_acquired_task(db_path, connection_id, run_id)
            step = "propose"
            summary["proposals"] = propose_task(db_path, connection_id, run_id)
            summary["awaiting_review"] = proposals_artifact(db_path, connection_id, run_id)
        except Exception as exc:
            abandon_sync_task(db_path, run_id, step)
            sync_counts_artifact(connection_id, summary, failed_stage=step, error=failure_text(exc))
            # The run fails with the error itself (a caller gets it raised), and its state
            # says where and why in a line.
            return ends_as(
                Failed(message=sync_message(summary, failed_stage=step, error=exc), data=exc)
            )
    sync_counts_artifact(connection_id, summary)
    return ends_as(Completed(message=sync_message(summary), data=summary))
