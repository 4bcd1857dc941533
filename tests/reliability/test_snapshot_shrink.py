"""A sync whose snapshot shrinks past the operator's limit keeps the last good one (issue 14).

The APIs here answer consistently (the count agrees with the records), so the clients' own
checks cannot catch it: a tenant that lost two thirds of its services, or whose CloudCockpit
context answers no subscriptions at all. Before, such a sync published the partial snapshot,
and the next apply refused the correct approvals under R1 and marked them failed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from expectations.suites import input_suites, validate_decisions
from offermap.acquired.derive import derive
from offermap.apply.batch import apply_decisions
from offermap.extract.autotask_services import extract_services
from offermap.extract.cloudcockpit_subscriptions import extract_subscriptions
from offermap.extract.publish import (
    publish_snapshots,
    run_period_labels,
    start_sync,
    validate_inputs,
)
from offermap.review.approvals import decide_manually
from offermap.sandbox import SandboxServer, build_tenant
from offermap.sandbox.tenant import Tenant
from offermap.store import open_store
from offermap.store.snapshots import SnapshotShrinkError
from offermap.variants import VariantKey
from tests.reliability.support import clients, published_snapshot
from tests.reliability.test_period_labels import renamed_quarterly

CONNECTION = "shrink"


@pytest.fixture(scope="module")
def tenant() -> Tenant:
    """The small sandbox tenant every server of this module starts from.

    Its Quarterly label is renamed: a sync validates against the labels its extraction read,
    so the flow test below also shows that they reach the validate task.
    """
    return renamed_quarterly(build_tenant("small", 7))


@pytest.fixture(scope="module")
def full(tenant: Tenant) -> Iterator[SandboxServer]:
    """The whole tenant."""
    with SandboxServer(tenant=tenant) as server:
        yield server


def _kept_services(tenant: Tenant) -> list[dict[str, Any]]:
    # Every third service: two thirds gone, well past the default limit of one half.
    return [s for s in tenant.autotask_services if int(s["id"]) % 3 == 0]


@pytest.fixture(scope="module")
def fewer_services(tenant: Tenant) -> Iterator[SandboxServer]:
    """The tenant as Autotask would answer after losing two thirds of its services."""
    smaller = dataclasses.replace(tenant, autotask_services=_kept_services(tenant))
    with SandboxServer(tenant=smaller) as server:
        yield server


@pytest.fixture(scope="module")
def no_subscriptions(tenant: Tenant) -> Iterator[SandboxServer]:
    """The tenant as a CloudCockpit context that holds no subscription would answer."""
    with SandboxServer(tenant=dataclasses.replace(tenant, cc_subscriptions=[])) as server:
        yield server


def _sync(db: Path, server: SandboxServer, run_id: str, **publish: Any) -> None:
    """The sync flow's stages, in its order, against one server."""
    start_sync(db, CONNECTION, run_id)
    autotask, cloudcockpit = clients(server)
    with autotask, cloudcockpit:
        extract_services(db, CONNECTION, run_id, client=autotask)
        extract_subscriptions(db, CONNECTION, run_id, client=cloudcockpit)
    labels = run_period_labels(db, run_id)
    validate_inputs(db, CONNECTION, run_id, suites=input_suites(period_labels=labels))
    publish_snapshots(db, CONNECTION, run_id, **publish)
    derive(db, CONNECTION, run_id)


def _run_rows(db: Path, run_id: str) -> dict[str, tuple[str, str | None]]:
    with open_store(db, read_only=True) as con:
        rows = con.execute(
            "SELECT source, status, error FROM extract_runs WHERE run_id = ?", [run_id]
        ).fetchall()
    return {source: (status, error) for source, status, error in rows}


def _approve_the_right_services(db: Path, tenant: Tenant) -> dict[int, int]:
    """Approve every variant's right service (ground truth); returns decision -> service."""
    decisions = {}
    for truth in tenant.ground_truth:
        if truth["service_id"] is None:
            continue
        variant = VariantKey(
            truth["offer_id"], truth["segment"], truth["term"], truth["billing_frequency"]
        )
        decision = decide_manually(
            db,
            CONNECTION,
            variant,
            service_id=int(truth["service_id"]),
            kind="approve",
            actor="reliability",
        )
        decisions[decision] = int(truth["service_id"])
    return decisions


def test_a_partial_service_snapshot_is_refused_and_the_next_apply_maps_every_right_pair(
    tenant: Tenant, full: SandboxServer, fewer_services: SandboxServer, tmp_path: Path
) -> None:
    db = tmp_path / "offermap.duckdb"
    _sync(db, full, "sync-good")
    good = published_snapshot(db, CONNECTION)
    approvals = _approve_the_right_services(db, tenant)
    kept = {int(s["id"]) for s in _kept_services(tenant)}
    # The harm to guard against: approvals whose services the partial snapshot lacks.
    assert len(set(approvals.values()) - kept) >= 10

    with pytest.raises(SnapshotShrinkError) as caught:
        _sync(db, fewer_services, "sync-partial")
    text = str(caught.value)
    total = len(tenant.autotask_services)
    assert "\n" not in text
    assert f"Autotask services would go from {total} to {len(kept)}" in text
    assert "offermap sync --accept-shrink" in text
    assert published_snapshot(db, CONNECTION) == good
    runs = _run_rows(db, "sync-partial")
    assert {status for status, _ in runs.values()} == {"failed"}
    assert all(error == text for _, error in runs.values())

    result = apply_decisions(db, CONNECTION, "apply-after", rules_check=validate_decisions)
    assert result.failed == []
    assert sorted(int(row["decision_id"]) for row in result.applied) == sorted(approvals)


def test_an_empty_subscription_answer_is_refused_and_the_acquired_offers_stay(
    full: SandboxServer, no_subscriptions: SandboxServer, tmp_path: Path
) -> None:
    db = tmp_path / "offermap.duckdb"
    _sync(db, full, "sync-good")
    good = published_snapshot(db, CONNECTION)
    assert good["cc_subscriptions"] and good["acquired_offers"]
    with pytest.raises(SnapshotShrinkError, match=r"CloudCockpit subscriptions would go from"):
        _sync(db, no_subscriptions, "sync-empty")
    assert published_snapshot(db, CONNECTION) == good


def test_a_real_shrink_is_published_when_the_operator_accepts_it(
    tenant: Tenant, full: SandboxServer, fewer_services: SandboxServer, tmp_path: Path
) -> None:
    db = tmp_path / "offermap.duckdb"
    _sync(db, full, "sync-good")
    _sync(db, fewer_services, "sync-accepted", accept_shrink=True)
    published = published_snapshot(db, CONNECTION)
    assert [row[1] for row in published["at_services"]] == sorted(
        int(s["id"]) for s in _kept_services(tenant)
    )
    assert {status for status, _ in _run_rows(db, "sync-accepted").values()} == {"published"}


@pytest.mark.flow
def test_the_command_line_refuses_a_shrink_in_one_line_and_accepts_it_when_told(
    prefect_harness: None,
    full: SandboxServer,
    fewer_services: SandboxServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from typer.testing import CliRunner

    from offermap.cli import app

    runner = CliRunner()
    db = tmp_path / "offermap.duckdb"
    monkeypatch.setenv("OFFERMAP_DB", str(db))
    monkeypatch.setenv("OFFERMAP_CONNECTION", CONNECTION)

    def sync(server: SandboxServer, *flags: str) -> Any:
        for name, value in server.env().items():
            monkeypatch.setenv(name, value)
        return runner.invoke(app, ["sync", "--json", *flags])

    assert sync(full).exit_code == 0
    good = published_snapshot(db, CONNECTION)

    refused = sync(fewer_services)
    assert isinstance(refused.exception, SnapshotShrinkError), refused.output
    assert "--accept-shrink" in str(refused.exception)
    assert published_snapshot(db, CONNECTION) == good

    accepted = sync(fewer_services, "--accept-shrink")
    assert accepted.exit_code == 0, accepted.output
    assert len(published_snapshot(db, CONNECTION)["at_services"]) == len(
        fewer_services.tenant.autotask_services
    )
