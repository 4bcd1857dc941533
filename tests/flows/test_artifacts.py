"""Artifacts of real `sync` and `apply` runs, read back through the Prefect API, as an operator
reads them: offers by handle and name, services by id and name, refusals first with every rule
and the whole reason, one word per outcome, failures in their own block, state messages that
say what a run did, and run names that tell runs apart."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from offermap.acquired.listing import list_acquired
from offermap.review import approvals as review
from offermap.review.service_search import list_services
from offermap.store import open_store
from offermap.variants import VariantKey, parse_handle

pytestmark = pytest.mark.flow

RUN_NAME = r"^{flow}-{connection}-\d{{8}}-\d{{6}}$"


def _artifacts(state: Any) -> dict[str, Any]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    run_filter = ArtifactFilterFlowRunId(any_=[state.state_details.flow_run_id])
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(artifact_filter=ArtifactFilter(flow_run_id=run_filter))
    return {a.key: a for a in found if a.key}


def _run(state: Any) -> Any:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return client.read_flow_run(state.state_details.flow_run_id)


def _rows(artifact: Any) -> list[dict[str, Any]]:
    data = artifact.data
    rows: list[dict[str, Any]] = json.loads(data) if isinstance(data, str) else data
    return rows


def _fenced(markdown: str) -> list[str]:
    """The text of every fenced block of a markdown artifact."""
    return [m.group(2) for m in re.finditer(r"(`{3,})text\n(.*?)\n\1", markdown, re.S)]


def _azure_plan(db: Path, connection_id: str) -> dict[str, Any]:
    return next(v for v in list_acquired(db, connection_id) if v["offer_type"] == "AzurePlan")


def _priced_monthly(db: Path, connection_id: str, among: set[int]) -> int:
    """A priced Monthly service among `among`: for an Azure plan it breaks R6."""
    return next(
        int(s["service_id"])
        for s in list_services(db, connection_id, active_only=True)
        if (s["unit_price"] or 0) > 0
        and s["period_type_label"] == "Monthly"
        and int(s["service_id"]) in among
    )


def test_sync_and_apply_artifacts_read_without_a_decoder(
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
    subscriptions = len(sandbox.tenant.cc_subscriptions)
    # The CLI's progress bars are fed page by page, then step by step.
    assert ("Autotask services", services, services) in reports
    assert ("Validating inputs", 1, 1) in reports
    waiting = review.list_open_proposals(db, "arts")
    assert state.message == (
        f"{services} services and {subscriptions} subscriptions read; "
        f"{state.result()['variants']['unmapped']} variants unmapped, "
        f"{len(waiting)} proposals await review"
    )
    assert re.match(RUN_NAME.format(flow="sync", connection="arts"), _run(state).name)

    artifacts = _artifacts(state)
    counts = {(r["stage"], r["what"]): r["count"] for r in _rows(artifacts["sync-arts-counts"])}
    assert counts[("extract", "autotask records")] == services
    assert counts[("extract", "cloudcockpit records")] == subscriptions
    assert counts[("validate", "cloudcockpit expectations failed")] == 0
    assert counts[("acquired variants", "not_required")] >= 1
    assert "no failure" in artifacts["sync-arts-failure"].data
    checks = _rows(artifacts["sync-arts-expectations"])
    assert {(r["source"], r["outcome"]) for r in checks} == {
        ("autotask", "passed"),
        ("cloudcockpit", "passed"),
    }
    proposals = _rows(artifacts["sync-arts-proposals"])
    assert [r["proposal"] for r in proposals] == [p["proposal_id"] for p in waiting][:200]
    by_id = {p["proposal_id"]: p for p in waiting}
    for row in proposals:
        # Offers by handle and name, services by id and name.
        parse_handle(row["offer"])
        assert row["offer name"] == by_id[row["proposal"]]["offer_name"]
        assert row["service name"] == by_id[row["proposal"]]["service_name"]
    assert f"{len(waiting)} proposals await review" in artifacts["sync-arts-proposals"].description

    # The confident first choices, except the Azure plan's; the analyst then also maps the
    # Azure plan to a priced service another of those approvals takes: R3 and R6 at once.
    confident = [
        p
        for p in waiting
        if p["rank"] == 1 and float(p["score"]) >= 0.9 and p["offer_type"] != "AzurePlan"
    ]
    approved = review.approve(db, "arts", [p["proposal_id"] for p in confident], actor="tester")
    plan = _azure_plan(db, "arts")
    taken = _priced_monthly(db, "arts", {int(p["service_id"]) for p in confident})
    key = VariantKey.of(plan)
    review.decide_manually(db, "arts", key, service_id=taken, kind="approve", actor="tester")
    state = apply(connection_id="arts", db_path=str(db), return_state=True)
    assert state.is_completed(), state.message
    result = state.result()
    assert len(result["failed"]) == 1 and len(result["applied"]) == len(approved)
    assert state.name == "Completed with refusals"
    assert state.message == f"{len(approved)} applied, 1 refused (R3, R6)"
    assert re.match(RUN_NAME.format(flow="apply", connection="arts"), _run(state).name)

    artifacts = _artifacts(state)
    counts = {r["what"]: r["count"] for r in _rows(artifacts["apply-arts-counts"])}
    # One word per outcome, the one the decisions table and the command line use.
    assert counts == {"refused": 1, "applied": len(approved), "unmapped": 0, "unchanged": 0}
    assert artifacts["apply-arts-counts"].description.endswith(state.message)
    decisions = _rows(artifacts["apply-arts-decisions"])
    assert len(decisions) == len(approved) + 1
    assert [r["outcome"] for r in decisions] == ["refused"] + ["applied"] * len(approved)
    refused = decisions[0]
    assert refused["rules"] == "R3, R6"
    assert refused["reason"] == result["failed"][0]["reason"]
    assert "R3: " in refused["reason"] and "R6: " in refused["reason"]
    assert parse_handle(refused["offer"]).segment == plan["segment"]
    assert refused["offer name"] == plan["offer_name"] and refused["service"] == taken
    assert refused["service name"]
    assert all(r["service name"] and r["offer name"] for r in decisions)
    refusals = artifacts["apply-arts-refusals"].data
    assert f"Decision {result['failed'][0]['decision_id']}: refused under R3, R6" in refusals
    assert _fenced(refusals) == [result["failed"][0]["reason"]]


def _broken_tenant(tenant: Any) -> Any:
    broken = copy.deepcopy(tenant)
    broken.autotask_services[0]["unitCost"] = -4.5
    broken.autotask_services[1]["name"] = "   "
    return broken


def test_a_sync_that_fails_validation_says_where_and_why_in_its_own_block(
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
    assert state.message == f"failed at validate: {len(failed)} expectations failed"
    by_column = {r["column"]: r for r in failed}
    assert {"unit_cost", "name"} <= set(by_column)
    assert by_column["unit_cost"]["failing rows"] == 1
    assert str(negative) in by_column["unit_cost"]["examples"]
    # Each failed expectation with its rule (where it has one) and the suite's own reason,
    # not just GX's type name.
    for row in failed:
        assert row["reason"] and row["reason"] != row["expectation"], row
    counts = _rows(artifacts["sync-broken-counts"])
    # Counts only: both sources were read and are counted; the failure is told elsewhere.
    assert {(r["stage"], r["what"]) for r in counts} >= {
        ("extract", "autotask records"),
        ("extract", "cloudcockpit records"),
    }
    assert all(isinstance(r["count"], int) for r in counts)
    failure = artifacts["sync-broken-failure"].data
    assert "failed at validate" in failure
    blocks = _fenced(failure)
    assert len(blocks) == 1 and "InputValidationError" in blocks[0]
    everything = json.dumps([a.data for a in artifacts.values()], default=str)
    assert "np.float64" not in everything and "np.int64" not in everything
    assert _published_services(db) == 0


def test_a_source_that_was_read_is_counted_when_the_other_failed(
    prefect_harness: None,
    sandbox: Any,
    sandbox_env: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from flows.sync import sync

    monkeypatch.setenv("CLOUDCOCKPIT_CLIENT_SECRET", "wrong-secret-canary")
    db = tmp_path / "offermap.duckdb"
    state = sync(connection_id="half", db_path=str(db), return_state=True)
    assert state.is_failed()
    assert state.message.startswith("failed at extract: ")
    assert "wrong-secret-canary" not in state.message
    artifacts = _artifacts(state)
    counts = {(r["stage"], r["what"]): r["count"] for r in _rows(artifacts["sync-half-counts"])}
    assert counts[("extract", "autotask records")] == len(sandbox.tenant.autotask_services)
    assert ("extract", "cloudcockpit records") not in counts
    assert "failed at extract" in artifacts["sync-half-failure"].data


def _published_services(db: Path) -> int:
    # In a helper: the failed run's traceback keeps the test's frame, and with it any open
    # connection object, alive until the interpreter exits.
    with open_store(db, read_only=True) as con:
        return int(con.execute("SELECT count(*) FROM at_services").fetchall()[0][0])
