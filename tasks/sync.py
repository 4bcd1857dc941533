"""Tasks of the sync flow: extract both sides, validate, publish, derive, propose."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from offermap.acquired import derive
from offermap.extract.publish import publish_snapshots, start_sync, validate_inputs
from offermap.extract.services import extract_services
from offermap.extract.subscriptions import extract_subscriptions
from offermap.propose import propose
from offermap.settings import load_cloudcockpit_settings, load_offermap_settings
from tasks.progress import page_logger


@task(name="start-sync", cache_policy=NO_CACHE)
def start_sync_task(db_path: str, connection_id: str, run_id: str) -> None:
    """Register the connection and supersede unpublished earlier runs."""
    settings = load_cloudcockpit_settings()
    start_sync(
        db_path, connection_id, run_id, tenant=settings.tenant, reseller_id=settings.reseller_id
    )


@task(name="extract-autotask-services", cache_policy=NO_CACHE)
def extract_services_task(db_path: str, connection_id: str, run_id: str) -> dict[str, Any]:
    """Land every Autotask service into staging; credentials come from the environment."""
    return asdict(
        extract_services(db_path, connection_id, run_id, progress=page_logger("services"))
    )


@task(name="extract-cloudcockpit-subscriptions", cache_policy=NO_CACHE)
def extract_subscriptions_task(db_path: str, connection_id: str, run_id: str) -> dict[str, Any]:
    """Land the connection's CloudCockpit subscriptions into staging."""
    return asdict(
        extract_subscriptions(db_path, connection_id, run_id, progress=page_logger("subscriptions"))
    )


@task(name="validate-inputs", cache_policy=NO_CACHE)
def validate_inputs_task(db_path: str, connection_id: str, run_id: str) -> dict[str, Any]:
    """Run the input suites on the staged rows; raises (and publishes nothing) when they fail."""
    return validate_inputs(db_path, connection_id, run_id)


@task(name="publish-snapshots", cache_policy=NO_CACHE)
def publish_snapshots_task(db_path: str, connection_id: str, run_id: str) -> None:
    """Swap both validated snapshots in atomically."""
    publish_snapshots(db_path, connection_id, run_id)


@task(name="derive-acquired-offers", cache_policy=NO_CACHE)
def derive_acquired_task(db_path: str, connection_id: str, run_id: str) -> dict[str, int]:
    """Rebuild acquired offer variants; returns variants per mapping status."""
    return derive(db_path, connection_id, run_id)


@task(name="propose-mappings", cache_policy=NO_CACHE)
def propose_task(db_path: str, connection_id: str, run_id: str) -> dict[str, Any]:
    """Propose services for unmapped variants into the review table."""
    from offermap.matching import MatchConfig

    threshold = load_offermap_settings().proposal_threshold
    return asdict(propose(db_path, connection_id, run_id, config=MatchConfig(threshold=threshold)))
