"""Tasks of the sync flow: extract both sides, validate, publish, derive, propose."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from prefect import Task, task
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import State, TaskRun

from expectations.suites import input_suites
from offermap.acquired.derive import derive
from offermap.autotask import AutotaskClient
from offermap.extract.autotask_services import extract_services
from offermap.extract.cloudcockpit_subscriptions import extract_subscriptions
from offermap.extract.publish import (
    InputValidationError,
    abandon_run,
    publish_snapshots,
    run_period_labels,
    start_sync,
    validate_inputs,
)
from offermap.http import is_transient
from offermap.propose.proposer import propose
from offermap.settings import load_offermap_settings
from tasks.artifacts import publish_expectations
from tasks.credentials import autotask_settings, cloudcockpit_settings
from tasks.limits import autotask_pacer
from tasks.progress import page_reporter, stage


@task(name="start-sync", cache_policy=NO_CACHE)
def start_sync_task(db_path: str, connection_id: str, run_id: str) -> None:
    """Register the connection and supersede unpublished earlier runs."""
    settings = cloudcockpit_settings(connection_id)
    start_sync(
        db_path, connection_id, run_id, tenant=settings.tenant, reseller_id=settings.reseller_id
    )


def _transient_only(task: Task[Any, Any], task_run: TaskRun, state: State[Any]) -> bool:
    """Retry an extraction only after an API failure that may pass (never auth or a lie)."""
    return is_transient(state.result(raise_on_failure=False))


@task(
    name="extract-autotask-services",
    cache_policy=NO_CACHE,
    # Each request was already retried within its budget: a task retry re-reads after an
    # outage, and only a transient one (an auth error or an API's lie fails at once).
    retries=2,
    retry_delay_seconds=[60, 300],
    retry_condition_fn=_transient_only,
)
def extract_services_task(
    db_path: str, connection_id: str, run_id: str, autotask_database: str
) -> dict[str, Any]:
    """Land every Autotask service into staging; every request takes a rate-limit slot first."""
    settings = autotask_settings(connection_id)
    pacer = autotask_pacer(autotask_database, settings.hourly_request_budget)
    progress = page_reporter("Autotask services")
    with AutotaskClient(settings, before_request=pacer) as client:
        return asdict(
            extract_services(db_path, connection_id, run_id, client=client, progress=progress)
        )


@task(
    name="extract-cloudcockpit-subscriptions",
    cache_policy=NO_CACHE,
    retries=2,
    retry_delay_seconds=[60, 300],
    retry_condition_fn=_transient_only,
)
def extract_subscriptions_task(db_path: str, connection_id: str, run_id: str) -> dict[str, Any]:
    """Land the connection's CloudCockpit subscriptions into staging."""
    settings = cloudcockpit_settings(connection_id)
    progress = page_reporter("CloudCockpit subscriptions")
    return asdict(
        extract_subscriptions(db_path, connection_id, run_id, settings=settings, progress=progress)
    )


@task(name="validate-inputs", cache_policy=NO_CACHE)
def validate_inputs_task(db_path: str, connection_id: str, run_id: str) -> dict[str, Any]:
    """Run the input suites on the staged rows, publish their results as an artifact, count them.

    Raises:
        InputValidationError: a suite failed; nothing is published to the snapshots.
    """
    with stage("Validating inputs"):
        try:
            # The tenant's own periodType labels, as its extraction read them.
            labels = run_period_labels(db_path, run_id)
            suites = input_suites(period_labels=labels)
            reports = validate_inputs(db_path, connection_id, run_id, suites=suites)
        except InputValidationError as exc:
            publish_expectations(connection_id, run_id, exc.reports)
            raise
    publish_expectations(connection_id, run_id, reports)
    # The full reports are in the artifact; the flow's summary keeps the counts.
    return {
        source: {
            "suite": report["suite"],
            "evaluated": report["evaluated"],
            "failed": len(report["failed"]),
        }
        for source, report in reports.items()
    }


@task(name="abandon-sync", cache_policy=NO_CACHE)
def abandon_sync_task(db_path: str, run_id: str, failed_stage: str) -> None:
    """Fail a failed sync's unpublished sources; the published snapshots stay as they were."""
    abandon_run(db_path, run_id, f"the sync failed at its {failed_stage} stage")


@task(name="publish-snapshots", cache_policy=NO_CACHE)
def publish_snapshots_task(
    db_path: str, connection_id: str, run_id: str, accept_shrink: bool = False
) -> None:
    """Swap both validated snapshots in atomically, unless one shrinks past the limit."""
    with stage("Publishing snapshots"):
        publish_snapshots(db_path, connection_id, run_id, accept_shrink=accept_shrink)


@task(name="derive-acquired-offers", cache_policy=NO_CACHE)
def derive_acquired_task(db_path: str, connection_id: str, run_id: str) -> dict[str, int]:
    """Rebuild acquired offer variants; returns variants per mapping status."""
    with stage("Deriving acquired offers"):
        return derive(db_path, connection_id, run_id)


@task(name="propose-mappings", cache_policy=NO_CACHE)
def propose_task(db_path: str, connection_id: str, run_id: str) -> dict[str, Any]:
    """Propose services for unmapped variants into the review table."""
    from offermap.matching import MatchConfig

    threshold = load_offermap_settings().proposal_threshold
    with stage("Proposing services"):
        summary = propose(db_path, connection_id, run_id, config=MatchConfig(threshold=threshold))
    return asdict(summary)
