"""The tenant's own periodType labels reach the input suite (issue 12).

Autotask tenants may rename picklist values. The extraction reads the labels from the API and
keeps them with the run; validation checks the staged services against those labels, so a
renamed label passes, while a service whose periodType is not in the picklist at all fails.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from expectations.suites import input_suites
from offermap.extract.autotask_services import extract_services
from offermap.extract.cloudcockpit_subscriptions import extract_subscriptions
from offermap.extract.publish import (
    InputValidationError,
    publish_snapshots,
    run_period_labels,
    start_sync,
    validate_inputs,
)
from offermap.sandbox import SandboxServer, build_tenant
from offermap.sandbox.tenant import Tenant
from offermap.store import open_store
from tests.reliability.support import clients

CONNECTION = "labels"
RENAMED = "Every three months"


def renamed_quarterly(tenant: Tenant) -> Tenant:
    """The tenant with its Quarterly periodType label renamed, as a tenant admin may do."""
    picklist = {
        (RENAMED if label == "Quarterly" else label): value
        for label, value in tenant.period_types.items()
    }
    return dataclasses.replace(tenant, period_types=picklist)


@pytest.fixture(scope="module")
def tenant() -> Tenant:
    """The small tenant, whose catalogue has Quarterly services, with that label renamed."""
    tenant = renamed_quarterly(build_tenant("small", 7))
    quarterly = tenant.period_types[RENAMED]
    assert any(s["periodType"] == quarterly for s in tenant.autotask_services)
    return tenant


@pytest.fixture(scope="module")
def renamed(tenant: Tenant) -> Iterator[SandboxServer]:
    """A tenant that renamed a periodType label."""
    with SandboxServer(tenant=tenant) as server:
        yield server


UNKNOWN_PERIOD = 9


@pytest.fixture(scope="module")
def unknown_period(tenant: Tenant) -> Iterator[SandboxServer]:
    """A tenant with one service whose periodType is no value of its picklist."""
    services = [dict(s) for s in tenant.autotask_services]
    services[7]["periodType"] = UNKNOWN_PERIOD
    assert UNKNOWN_PERIOD not in tenant.period_types.values()
    with SandboxServer(tenant=dataclasses.replace(tenant, autotask_services=services)) as server:
        yield server


def _extract(db: Path, server: SandboxServer, run_id: str) -> None:
    start_sync(db, CONNECTION, run_id)
    autotask, cloudcockpit = clients(server)
    with autotask, cloudcockpit:
        extract_services(db, CONNECTION, run_id, client=autotask)
        extract_subscriptions(db, CONNECTION, run_id, client=cloudcockpit)


def test_the_labels_the_extraction_read_are_kept_with_its_run(
    renamed: SandboxServer, tmp_path: Path
) -> None:
    db = tmp_path / "offermap.duckdb"
    _extract(db, renamed, "sync-1")
    assert run_period_labels(db, "sync-1") == sorted(renamed.tenant.period_types)
    assert run_period_labels(db, "sync-never") is None


def test_a_renamed_label_passes_validation_with_the_tenants_labels(
    renamed: SandboxServer, tmp_path: Path
) -> None:
    db = tmp_path / "offermap.duckdb"
    _extract(db, renamed, "sync-1")
    # Autotask's standard labels would refuse this tenant's services: what happened before.
    with pytest.raises(InputValidationError, match=RENAMED):
        validate_inputs(db, CONNECTION, "sync-1", suites=input_suites())

    _extract(db, renamed, "sync-2")
    labels = run_period_labels(db, "sync-2")
    validate_inputs(db, CONNECTION, "sync-2", suites=input_suites(period_labels=labels))
    publish_snapshots(db, CONNECTION, "sync-2")
    with open_store(db, read_only=True) as con:
        published = {
            row[0]
            for row in con.execute("SELECT DISTINCT period_type_label FROM at_services").fetchall()
        }
    assert RENAMED in published


def test_a_period_type_missing_from_the_picklist_fails_validation_naming_the_service(
    unknown_period: SandboxServer, tmp_path: Path
) -> None:
    db = tmp_path / "offermap.duckdb"
    _extract(db, unknown_period, "sync-1")
    labels = run_period_labels(db, "sync-1")
    odd = next(s for s in unknown_period.tenant.autotask_services if s["periodType"] == 9)
    with pytest.raises(InputValidationError) as caught:
        validate_inputs(db, CONNECTION, "sync-1", suites=input_suites(period_labels=labels))
    text = str(caught.value)
    assert "period_type_label" in text and str(odd["id"]) in text
