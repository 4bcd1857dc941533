"""Two process workers, three connections: scheduled runs spread, one writer per connection,
and one Autotask rate limit shared by the connections of one Autotask database.

The deployments are made the way the README says to add a connection: prefect.yaml's
`default` deployments copied per connection, with its own DuckDB file under
`job_variables.env` and `autotask_database` naming the Autotask instance. Connections `a` and
`b` share the Autotask database `shared`; `c` has its own.

So that the overlaps under test really happen (rather than by luck of timing), the test itself
holds the writer locks of the three connections until all four runs are seen waiting for them,
and then lets go of all at once: the syncs of `a` and `b` (on different workers) then read
Autotask at the same time through their shared rate limit, and the sync and the apply of `c`
(on different workers) race for their connection, the loser waiting for the winner.
"""

from __future__ import annotations

import copy
import re
import time
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
import yaml

from scripts.local_prefect import WORK_POOL, LocalPrefect, free_port
from tasks.writer_lock import writer_lock
from tests.prefect_server_log import server_errors
from tests.prefect_template import PrefectTemplate

ROOT = Path(__file__).resolve().parents[2]
SHARED_LIMIT = "offermap-autotask-shared"
# Two Autotask requests a second for a and b together.
SHARED_DECAY_PER_SECOND = 2.0
TEST_HOLDER = "the test"
# Bounds that only keep a broken stack from hanging the suite.
_SCHEDULED_SECONDS = 60.0
_RUN_SECONDS = 300.0


@pytest.fixture
def server(
    tmp_path: Path, prefect_template: PrefectTemplate, monkeypatch: pytest.MonkeyPatch
) -> Iterator[LocalPrefect]:
    # The scheduler plans the runs of new deployments within a second instead of five.
    monkeypatch.setenv("PREFECT_SERVER_SERVICES_SCHEDULER_RECENT_DEPLOYMENTS_LOOP_SECONDS", "1")
    with LocalPrefect(tmp_path / "prefect", free_port()) as stack:
        prefect_template.seed(stack.home / "prefect.db")
        stack.start_server()
        prefect_template.offer(stack.home / "prefect.db")
        yield stack


def _deployments(tmp_path: Path, due: datetime) -> dict[str, Any]:
    """prefect.yaml's deployments for connections a, b and c, as the README says to add them.

    Each gets a one-off interval schedule instead of its cron: sync-a first, then sync-c,
    apply-c and sync-b, a second apart, so that the first worker (limit 2) takes sync-a and
    sync-c and the second takes apply-c and sync-b.
    """
    project = yaml.safe_load((ROOT / "prefect.yaml").read_text())
    templates = {d["name"]: d for d in project["deployments"]}
    wanted = [
        ("sync", "a", "shared"),
        ("sync", "c", "c"),
        ("apply", "c", None),
        ("sync", "b", "shared"),
    ]
    deployments = []
    for offset, (flow, slug, database) in enumerate(wanted):
        deployment = copy.deepcopy(templates[f"{flow}-default"])
        deployment["name"] = f"{flow}-{slug}"
        deployment["description"] = deployment["description"].replace("`default`", f"`{slug}`")
        deployment["tags"] = ["offermap", f"connection:{slug}"]
        deployment["parameters"]["connection_id"] = slug
        if database:
            deployment["parameters"]["autotask_database"] = database
        deployment["work_pool"] = {
            "name": WORK_POOL,
            "job_variables": {"env": {"OFFERMAP_DB": str(tmp_path / f"{slug}.duckdb")}},
        }
        anchor = due + timedelta(seconds=offset)
        deployment["schedules"] = [
            {"interval": 3600, "anchor_date": anchor.isoformat(), "timezone": "UTC"}
        ]
        deployments.append(deployment)
    project["deployments"] = deployments
    project.pop("definitions", None)
    return dict(project)


def _runs(server: LocalPrefect, names: dict[str, str]) -> dict[str, dict[str, Any]]:
    """The first run of each of our deployments (by deployment name), in its latest state.

    The scheduler plans a few runs ahead (in an hour, in two hours): only the first is due.
    """
    found = server.api(
        "POST",
        "/flow_runs/filter",
        {"deployments": {"id": {"any_": list(names.values())}}, "sort": "EXPECTED_START_TIME_ASC"},
    )
    by_id = {v: k for k, v in names.items()}
    first: dict[str, dict[str, Any]] = {}
    for run in found:
        first.setdefault(by_id[run["deployment_id"]], run)
    return first


def _logs(server: LocalPrefect, run_id: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = server.api(
        "POST",
        "/logs/filter",
        {"logs": {"flow_run_id": {"any_": [run_id]}}, "sort": "TIMESTAMP_ASC", "limit": 200},
    )
    return found


def _wait(what: str, check: Any, seconds: float, context: Any = None) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if result:
            return result
        assert time.monotonic() < deadline, (
            f"{what}: not within {seconds:g} s. {context() if context else ''}"
        )
        time.sleep(1.0)


def _submitted(server: LocalPrefect, log_name: str) -> set[str]:
    """The flow run ids a worker's log says it submitted."""
    text = (server.home / log_name).read_text(errors="replace")
    return set(re.findall(r"submitting flow run '([0-9a-f-]{36})'", text))


def _acquisitions(server: LocalPrefect, limit_id: str) -> list[dict[str, Any]]:
    """The slot acquisitions of one concurrency limit, oldest first (Prefect's events)."""
    answer = server.api(
        "POST",
        "/events/filter",
        {
            "filter": {
                "event": {"name": ["prefect.concurrency-limit.acquired"]},
                "resource": {"id": [f"prefect.concurrency-limit.{limit_id}"]},
                "occurred": {"since": (datetime.now(UTC) - timedelta(hours=1)).isoformat()},
            },
            "limit": 50,  # the most one page holds
        },
    )
    events: list[dict[str, Any]] = answer["events"]
    assert answer["total"] == len(events), "more acquisitions than one page: page through them"
    return sorted(events, key=lambda e: e["occurred"])


def _said(server: LocalPrefect, run_id: str, pattern: str) -> list[dict[str, Any]]:
    return [log for log in _logs(server, run_id) if re.search(pattern, log["message"])]


def _takers(server: LocalPrefect, limit_name: str) -> list[tuple[datetime, str]]:
    """(when, flow run id) of every slot taken from a limit."""
    limit = server.api("GET", f"/v2/concurrency_limits/{limit_name}")
    taken = []
    for event in _acquisitions(server, limit["id"]):
        runs = [
            related["prefect.resource.id"].removeprefix("prefect.flow-run.")
            for related in event["related"]
            if related["prefect.resource.id"].startswith("prefect.flow-run.")
        ]
        taken.append((datetime.fromisoformat(event["occurred"]), runs[0] if runs else "?"))
    return taken


def test_two_workers_share_scheduled_runs_one_writer_per_connection_one_rate_per_database(
    server: LocalPrefect, sandbox: Any, sandbox_env: dict[str, str], tmp_path: Path
) -> None:
    server.prefect("work-pool", "create", WORK_POOL, "--type", "process", "--overwrite")
    # The Autotask database shared by a and b: two requests a second, for both together.
    server.api(
        "POST",
        "/v2/concurrency_limits/",
        {"name": SHARED_LIMIT, "limit": 1, "slot_decay_per_second": SHARED_DECAY_PER_SECOND},
    )
    due = (datetime.now(UTC) + timedelta(seconds=18)).replace(microsecond=0)
    project_file = tmp_path / "prefect.yaml"
    project_file.write_text(yaml.safe_dump(_deployments(tmp_path, due), sort_keys=False))
    server.prefect("--no-prompt", "deploy", "--all", "--prefect-file", str(project_file))
    names = {
        d["name"]: d["id"]
        for d in server.api("POST", "/deployments/filter", {})
        if d["name"] in {"sync-a", "sync-b", "sync-c", "apply-c"}
    }
    assert len(names) == 4
    # The scheduler makes one run per deployment; nobody creates a run by hand.
    runs = _wait(
        "scheduled runs",
        lambda: len(_runs(server, names)) == 4 and _runs(server, names),
        _SCHEDULED_SECONDS,
    )
    assert all(r["auto_scheduled"] and r["state"]["type"] == "SCHEDULED" for r in runs.values())
    ids = {name: run["id"] for name, run in runs.items()}

    worker_env = {
        **sandbox_env,
        "PREFECT_LOGGING_LEVEL": "INFO",
        # Poll often, so that the test does not wait on Prefect's 10 s default.
        "PREFECT_WORKER_QUERY_SECONDS": "2",
        # Two workers' heartbeat upserts every 30 s contend for the test server's SQLite file
        # with the runs' own writes; on a loaded machine Prefect then logged "database is
        # locked", a limit of its SQLite backend. One heartbeat each
        # keeps the server log a check of offermap's runs, not of SQLite's write lock.
        "PREFECT_WORKER_HEARTBEAT_SECONDS": "600",
    }
    with ExitStack() as held:
        for slug in ("a", "b", "c"):
            held.enter_context(writer_lock(tmp_path / f"{slug}.duckdb", slug, holder=TEST_HOLDER))
        first = server.start_worker(worker_env, name="worker-1", extra_args=("--limit", "2"))
        _wait(
            "the first worker taking two runs",
            lambda: len(_submitted(server, first)) == 2,
            _RUN_SECONDS,
            lambda: (server.home / first).read_text(),
        )
        second = server.start_worker(worker_env, name="worker-2", extra_args=("--limit", "2"))
        # Every run finds its connection taken, and says by whom.
        _wait(
            "every run waiting for the test's locks",
            lambda: all(
                _said(server, run_id, rf"^Waiting for connection [abc]: {TEST_HOLDER} \(pid")
                for run_id in ids.values()
            ),
            _RUN_SECONDS,
            lambda: (
                (server.home / first).read_text()[-2000:]
                + (server.home / second).read_text()[-2000:]
            ),
        )
    # All three connections are free at once from here.

    def finished() -> dict[str, dict[str, Any]] | None:
        now = _runs(server, names)
        done = all(r["state"]["type"] in ("COMPLETED", "FAILED", "CRASHED") for r in now.values())
        return now if done else None

    runs = _wait(
        "all runs finishing",
        finished,
        _RUN_SECONDS,
        lambda: {k: r["state"]["type"] for k, r in _runs(server, names).items()},
    )
    logs = (server.home / first).read_text()[-3000:] + (server.home / second).read_text()[-3000:]
    assert {k: r["state"]["type"] for k, r in runs.items()} == dict.fromkeys(names, "COMPLETED"), (
        logs
    )
    assert {name: run["id"] for name, run in runs.items()} == ids

    # Spread over both workers: the first took the two earliest runs, the second the rest.
    assert _submitted(server, first) == {ids["sync-a"], ids["sync-c"]}
    assert _submitted(server, second) == {ids["apply-c"], ids["sync-b"]}

    # One writer per connection: of sync-c and apply-c (on different workers), the one that
    # lost the race said it waited for the winner, and went on only after the winner let go.
    losers = [
        name
        for name in ("sync-c", "apply-c")
        if _said(
            server,
            ids[name],
            r"^Waiting for connection c: (sync|apply)-c-\d{8}-\d{6} \(pid .*it went first",
        )
    ]
    assert len(losers) == 1, {n: _logs(server, ids[n]) for n in ("sync-c", "apply-c")}
    loser = losers[0]
    winner = "apply-c" if loser == "sync-c" else "sync-c"
    assert _said(server, ids[loser], rf"^Waiting for connection c: {runs[winner]['name']} \(pid")
    freed = _said(server, ids[loser], r"^Connection c is free")[-1]
    winner_tasks = server.api(
        "POST", "/task_runs/filter", {"flow_runs": {"id": {"any_": [ids[winner]]}}}
    )
    winner_wrote = max(
        datetime.fromisoformat(t["end_time"])
        for t in winner_tasks
        if t["name"].startswith(("publish-proposals", "apply-decisions"))
    )
    assert datetime.fromisoformat(freed["timestamp"]) >= winner_wrote

    # One rate limit for the Autotask database of a and b, taken by both workers' runs in
    # turns, never faster than it allows; c's requests go through a limit of its own.
    shared = _takers(server, SHARED_LIMIT)
    assert {run for _, run in shared} == {ids["sync-a"], ids["sync-b"]}, shared
    takers_in_order = [run for _, run in shared]
    assert any(a != b for a, b in pairwise(takers_in_order)), "a and b never took turns"
    gaps = [(b - a).total_seconds() for (a, _), (b, _) in pairwise(shared)]
    # Limit 1 decaying at two slots a second: no two requests less than half a second apart
    # (half of that as slack for clocks and rounding).
    assert min(gaps) >= 0.5 / SHARED_DECAY_PER_SECOND, gaps
    assert {run for _, run in _takers(server, "offermap-autotask-c")} == {ids["sync-c"]}

    server_log = (server.home / "server.log").read_text(errors="replace")
    assert not server_errors(server_log), server_errors(server_log)
