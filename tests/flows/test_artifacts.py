"""Artifacts of real `sync` and `apply` runs: counts per stage, checks, proposals, decisions."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from offermap.acquired.listing import list_acquired
from offermap.review import approvals as review
from offermap.review.service_search import list_services
from offermap.store import open_store

pytestmark = pytest.mark.flow


def _artifacts(state: Any) -> dict[str, Any]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    run_filter = ArtifactFilterFlowRunId(any_=[state.state_details.flow_run_id])
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(artifact_filter=ArtifactFilter(flow_run_id=run_filter))
    return {a.key: a for a in found if a.key}


def _rows(artifact: Any) -> list[dict[str, Any]]:
    data = artifact.data
    rows: list[dict[str, Any]] = json.loads(data) if isinstance(data, str) else data
    return rows


def _r6_mistake(db: Path, connection_id: str, taken: set[int]) -> tuple[review.VariantKey, int]:
    plan = next(v for v in list_acquired(db, connection_id) if v["offer_type"] == "AzurePlan")
    # A priced Monthly service nobody else claims: the only rule it breaks for a plan is R6.
    priced = next(
        s
        for s in list_services(db, connection_id, active_only=True)
        if (s["unit_price"] or 0) > 0
        and s["period_type_label"] == "Monthly"
        and int(s["service_id"]) not in taken
    )
    key = (plan["offer_id"], plan["segment"], plan["term"], plan["billing_frequency"])
    return key, int(priced["service_id"])


def test_sync_and_apply_publish_counts_checks_proposals_and_decisions(
    prefect_harness: None, sandbox: Any, sandbox_env: dict[str, str], tmp_path: Path
) -> None:
    from flows.apply import apply
    from flows.sync import sync
    from tasks.progress import listening

    db = tmp_path / "offermap.duckdb"
    reports: list[tuple[str, int, int | None]] = []
    with listening(lambda what, done, total: reports.append((what, done, total))):
        state = sync(connection_id="arts", db_path=str(db), return_state=True)
    assert state.is_completed(), state.message
    services = len(sandbox.tenant.autotask_services)
    # The CLI's progress bars are fed page by page, then step by step.
    assert ("Autotask services", services, services) in reports
    assert ("Validating inputs", 1, 1) in reports

    artifacts = _artifacts(state)
    counts = {(r["stage"], r["what"]): r["count"] for r in _rows(artifacts["sync-arts-counts"])}
    assert counts[("extract", "autotask records")] == services
    assert counts[("extract", "cloudcockpit records")] == len(sandbox.tenant.cc_subscriptions)
    assert counts[("validate", "cloudcockpit failed")] == 0
    assert counts[("acquired variants", "not_required")] >= 1
    checks = _rows(artifacts["sync-arts-expectations"])
    assert {(r["source"], r["outcome"]) for r in checks} == {
        ("autotask", "passed"),
        ("cloudcockpit", "passed"),
    }
    waiting = review.list_open_proposals(db, "arts")
    proposals = _rows(artifacts["sync-arts-proposals"])
    assert [r["proposal"] for r in proposals] == [p["proposal_id"] for p in waiting][:200]
    assert f"{len(waiting)} proposals await review" in artifacts["sync-arts-proposals"].description

    # The confident proposals, except the Azure plan's: it gets a rule-breaking pick below.
    confident = [
        p
        for p in waiting
        if p["rank"] == 1 and float(p["score"]) >= 0.9 and p["offer_type"] != "AzurePlan"
    ]
    approved = review.approve(db, "arts", [p["proposal_id"] for p in confident], actor="tester")
    key, priced = _r6_mistake(db, "arts", {int(p["service_id"]) for p in confident})
    review.decide_manually(db, "arts", key, service_id=priced, kind="approve", actor="tester")
    state = apply(connection_id="arts", db_path=str(db), return_state=True)
    assert state.is_completed(), state.message
    result = state.result()
    artifacts = _artifacts(state)
    counts = {r["what"]: r["count"] for r in _rows(artifacts["apply-arts-counts"])}
    assert counts["applied"] == len(result["applied"]) > 0
    assert counts["failed"] == len(result["failed"]) >= 1
    decisions = _rows(artifacts["apply-arts-decisions"])
    assert len(decisions) == len(approved) + 1
    refused = [r for r in decisions if r["outcome"] == "refused"]
    assert any(r["rule"] == "R6" and str(priced) == str(r["service"]) for r in refused), refused
    assert "refused" in artifacts["apply-arts-counts"].description


def _broken_tenant(tenant: Any) -> Any:
    broken = copy.deepcopy(tenant)
    broken.autotask_services[0]["unitCost"] = -5.0
    broken.autotask_services[1]["name"] = "   "
    return broken


def test_a_sync_that_fails_validation_publishes_failures_with_examples(
    prefect_harness: None, sandbox: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.sync import sync
    from offermap.sandbox import SandboxServer

    tenant = _broken_tenant(sandbox.tenant)
    negative = tenant.autotask_services[0]["id"]
    db = tmp_path / "offermap.duckdb"
    with SandboxServer(tenant=tenant, port=0) as server:
        for name, value in server.env().items():
            monkeypatch.setenv(name, value)
        state = sync(connection_id="broken", db_path=str(db), return_state=True)
    assert state.is_failed()

    artifacts = _artifacts(state)
    failed = [r for r in _rows(artifacts["sync-broken-expectations"]) if r["outcome"] == "failed"]
    by_column = {r["column"]: r for r in failed}
    assert {"unit_cost", "name"} <= set(by_column)
    assert by_column["unit_cost"]["failing rows"] == 1
    assert str(negative) in by_column["unit_cost"]["examples"]
    counts = _rows(artifacts["sync-broken-counts"])
    assert any(r["stage"] == "validate" and r["what"].startswith("FAILED") for r in counts)
    assert _published_services(db) == 0


def _published_services(db: Path) -> int:
    # In a helper: the failed run's traceback keeps the test's frame, and with it any open
    # connection object, alive until the interpreter exits.
    with open_store(db, read_only=True) as con:
        return int(con.execute("SELECT count(*) FROM at_services").fetchall()[0][0])
