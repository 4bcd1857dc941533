"""prefect.yaml's deployments, run by a real worker against a real local Prefect server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from scripts.local_prefect import LocalPrefect, free_port

pytestmark = pytest.mark.flow


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LocalPrefect]:
    with LocalPrefect(tmp_path / "prefect", free_port()) as stack:
        stack.start_server()
        yield stack


def _api(stack: LocalPrefect, method: str, path: str, body: Any = None) -> Any:
    response = httpx.request(method, f"{stack.api_url}{path}", json=body, timeout=30.0)
    response.raise_for_status()
    return response.json()


def _deployment(stack: LocalPrefect, flow: str, name: str) -> dict[str, Any]:
    result: dict[str, Any] = _api(stack, "GET", f"/deployments/name/{flow}/{name}")
    return result


def _artifacts(stack: LocalPrefect, flow_run_id: str) -> dict[str, dict[str, Any]]:
    found = _api(
        stack,
        "POST",
        "/artifacts/filter",
        {"artifacts": {"flow_run_id": {"any_": [flow_run_id]}}},
    )
    return {a["key"]: a for a in found if a["key"]}


def _table(artifact: dict[str, Any]) -> list[dict[str, Any]]:
    data = artifact["data"]
    rows: list[dict[str, Any]] = json.loads(data) if isinstance(data, str) else data
    return rows


def test_deployments_run_on_a_worker_and_publish_artifacts(
    server: LocalPrefect, sandbox: Any, sandbox_env: dict[str, str], tmp_path: Path
) -> None:
    server.deploy()
    sync = _deployment(server, "sync", "sync-default")
    apply = _deployment(server, "apply", "apply-default")
    assert [s["schedule"]["cron"] for s in sync["schedules"]] == ["0 * * * *"]
    assert [s["schedule"]["cron"] for s in apply["schedules"]] == ["*/15 * * * *"]
    assert sync["work_pool_name"] == apply["work_pool_name"] == "offermap-process"
    # Credentials reach the worker through its environment, never through the deployment.
    stored = json.dumps([sync, apply])
    for name, value in sandbox_env.items():
        if "SECRET" in name or "INTEGRATION_CODE" in name:
            assert value not in stored

    sync_run = _api(server, "POST", f"/deployments/{sync['id']}/create_flow_run", {})
    apply_run = _api(server, "POST", f"/deployments/{apply['id']}/create_flow_run", {})
    db = tmp_path / "default.duckdb"
    # Both runs are due now: the worker starts both, and the connection's writer limit makes
    # them take turns on the DuckDB file.
    server.run_worker_once({**sandbox_env, "OFFERMAP_DB": str(db)})

    for run in (sync_run, apply_run):
        state = _api(server, "GET", f"/flow_runs/{run['id']}")["state"]
        assert state["type"] == "COMPLETED", (state, server.log_tail("server.log"))

    artifacts = _artifacts(server, sync_run["id"])
    assert {"sync-default-counts", "sync-default-expectations", "sync-default-proposals"} <= set(
        artifacts
    )
    counts = {(r["stage"], r["what"]): r["count"] for r in _table(artifacts["sync-default-counts"])}
    assert counts[("extract", "autotask records")] == len(sandbox.tenant.autotask_services)
    assert counts[("extract", "cloudcockpit records")] == len(sandbox.tenant.cc_subscriptions)
    assert counts[("validate", "autotask failed")] == 0
    expectations = _table(artifacts["sync-default-expectations"])
    assert {r["outcome"] for r in expectations} == {"passed"}
    proposals = _table(artifacts["sync-default-proposals"])
    assert proposals and all(r["proposal"] and r["service"] for r in proposals)
    assert {"apply-default-counts", "apply-default-decisions"} <= set(
        _artifacts(server, apply_run["id"])
    )

    limits = {
        name: _api(server, "GET", f"/v2/concurrency_limits/{name}")
        for name in ("offermap-writer-default", "offermap-autotask-default")
    }
    assert limits["offermap-writer-default"]["limit"] == 1
    assert limits["offermap-autotask-default"]["slot_decay_per_second"] > 0
