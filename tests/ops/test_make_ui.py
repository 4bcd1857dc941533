"""`make ui SANDBOX=1` as an operator runs it: schedules that really run, and a clean stop.

One run of the real thing (make, `prefect server start`, the work pool, `prefect deploy` of
prefect.yaml, a process worker, the sandbox emulators), started in the background as
`make ui &` would be (SIGINT ignored), and stopped with a plain `kill` (SIGTERM).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from flows.naming import run_name
from scripts.local_prefect import call_api, free_port
from tests.prefect_server_log import server_errors
from tests.prefect_template import PrefectTemplate

ROOT = Path(__file__).resolve().parents[2]
# Bounds that only keep a broken stack from hanging the suite; a loaded 2-core machine needs
# about a third of each.
_UP_SECONDS = 240.0
_RUN_SECONDS = 240.0
_RECENT_SCHEDULES = "PREFECT_SERVER_SERVICES_SCHEDULER_RECENT_DEPLOYMENTS_LOOP_SECONDS"
_STOP_SECONDS = 60.0


def _prefect_yaml() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "prefect.yaml").read_text())
    return loaded


def _descendants(root: int) -> set[int]:
    """Every live process below `root` (Linux /proc)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with suppress(OSError, ValueError, IndexError):
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
    found: set[int] = set()
    frontier = {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


class MakeUi:
    """The `make ui` process, its output and its API."""

    def __init__(
        self,
        process: subprocess.Popen[bytes],
        output: Path,
        port: int,
        home: Path,
        template: PrefectTemplate,
    ):
        self.process = process
        self.output = output
        self.api_url = f"http://127.0.0.1:{port}/api"
        self.home = home
        self._template = template

    def wait_until_up(self, seconds: float) -> None:
        """Until make ui says it is ready; its database then becomes the session's template."""
        self.wait_for("Press Ctrl-C", seconds)
        self._template.offer(self.home / "prefect.db")

    def text(self) -> str:
        """Everything make ui printed so far."""
        return self.output.read_text(errors="replace")

    def wait_for(self, needle: str, seconds: float) -> None:
        """Until make ui printed `needle`; fails if it ended or took too long."""
        deadline = time.monotonic() + seconds
        while needle not in self.text():
            assert self.process.poll() is None, f"make ui ended:\n{self.text()}"
            assert time.monotonic() < deadline, f"make ui never printed {needle!r}:\n{self.text()}"
            time.sleep(0.5)

    def api(self, method: str, path: str, body: Any = None) -> Any:
        """One call to the Prefect API make ui serves (503 retried, as Prefect's client does)."""
        return call_api(self.api_url, method, path, body)


@pytest.fixture
def make_ui(tmp_path: Path, prefect_template: PrefectTemplate) -> Iterator[MakeUi]:
    port = free_port()
    # Prefect's home as a second `make ui` finds it: its database migrated by an earlier start
    # (the first start, from nothing, is the demo test's).
    home = tmp_path / "state" / "prefect"
    prefect_template.seed(home / "prefect.db")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env["PREFECT_HOME"] = str(home)
    # The worker's log says which runs it submitted.
    env["PREFECT_LOGGING_LEVEL"] = "INFO"
    # The worker looks for due runs every 2 s instead of every 10 s, and the scheduler plans
    # the runs of a changed schedule within a second instead of five: the test waits less.
    env["PREFECT_WORKER_QUERY_SECONDS"] = "2"
    env[_RECENT_SCHEDULES] = "1"
    output = tmp_path / "make-ui.out"
    with output.open("wb") as out:
        process = subprocess.Popen(
            ["make", "--no-print-directory", "ui", f"UI_PORT={port}", "SANDBOX=1"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            # What a shell does to a command started with `&`.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
        )
    ui = MakeUi(process, output, port, home, prefect_template)
    try:
        yield ui
    finally:
        left = _descendants(process.pid) if process.poll() is None else set()
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        for pid in left:
            with suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
        process.wait()


def _on_cron(when: datetime, cron: str) -> bool:
    """Whether `when` is a time the project's two crons fire at (minute field only)."""
    minute = cron.split()[0]
    if minute.startswith("*/"):
        return when.minute % int(minute[2:]) == 0 and when.second == 0
    return when.minute == int(minute) and when.second == 0


def test_make_ui_schedules_every_deployment_runs_a_scheduled_sync_and_stops_on_sigterm(
    make_ui: MakeUi,
) -> None:
    make_ui.wait_until_up(_UP_SECONDS)
    printed = make_ui.text()

    # 1. The scheduler planned a run of every deployment, and make ui said when.
    deployments = {d["name"]: d for d in _prefect_yaml()["deployments"]}
    flows = {f["id"]: f["name"] for f in make_ui.api("POST", "/flows/filter", {})}
    stored = {d["name"]: d for d in make_ui.api("POST", "/deployments/filter", {})}
    assert set(stored) == set(deployments)
    for name, spec in deployments.items():
        key = f"{flows[stored[name]['flow_id']]}/{name}"
        assert re.search(rf"{re.escape(key)}\s+next run \d{{4}}-\d\d-\d\d \d\d:\d\d", printed), (
            printed
        )
        cron = spec["schedules"][0]["cron"]
        assert [s["schedule"]["cron"] for s in stored[name]["schedules"]] == [cron]
        runs = make_ui.api(
            "POST",
            "/flow_runs/filter",
            {
                "deployments": {"id": {"any_": [stored[name]["id"]]}},
                "flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}},
            },
        )
        assert runs and all(r["auto_scheduled"] for r in runs), runs
        starts = [datetime.fromisoformat(r["expected_start_time"]) for r in runs]
        assert all(_on_cron(s, cron) for s in starts), (cron, starts)

    # 2. A near-term schedule (as an operator would set one in the UI): the scheduler makes
    # the run, and make ui's worker picks it up and completes it. Due in 16 s: the scheduler
    # plans it within a second, make ui names it within 3 s, and only then may it come within
    # the 10 s a worker takes runs ahead of time.
    sync = stored["sync-default"]
    due = (datetime.now(UTC) + timedelta(seconds=16)).replace(microsecond=0)
    make_ui.api(
        "PATCH",
        f"/deployments/{sync['id']}",
        {"schedules": [{"schedule": {"interval": 3600, "anchor_date": due.isoformat()}}]},
    )
    deadline = time.monotonic() + _RUN_SECONDS
    run: dict[str, Any] | None = None
    while run is None or run["state"]["type"] not in ("COMPLETED", "FAILED", "CRASHED"):
        assert time.monotonic() < deadline, (run, (make_ui.home / "worker.log").read_text())
        time.sleep(1.0)
        found = make_ui.api(
            "POST",
            "/flow_runs/filter",
            {"deployments": {"id": {"any_": [sync["id"]]}}, "sort": "EXPECTED_START_TIME_ASC"},
        )
        run = next(
            (r for r in found if datetime.fromisoformat(r["expected_start_time"]) == due), None
        )
    assert run["state"]["type"] == "COMPLETED", (
        run["state"],
        (make_ui.home / "worker.log").read_text()[-5000:],
    )
    assert run["auto_scheduled"]
    # Named for its connection and scheduled time before the worker took it, so that the
    # worker's log and the UI name it alike.
    assert run["name"] == run_name("sync", "default", due)
    worker_log = (make_ui.home / "worker.log").read_text()
    assert f"Flow run '{run['name']}' submitted to infrastructure" in worker_log
    assert run["state"]["message"].endswith("proposals await review"), run["state"]

    # 3. The server logged no error while it scheduled and ran all this.
    server_log = (make_ui.home / "server.log").read_text(errors="replace")
    assert not server_errors(server_log), server_errors(server_log)

    # 4. A plain `kill` stops the worker, then the server; nothing is left running.
    ours = _descendants(make_ui.process.pid)
    assert len(ours) >= 3  # python, the server, the worker (and what they started)
    make_ui.process.send_signal(signal.SIGTERM)
    make_ui.process.wait(timeout=_STOP_SECONDS)
    printed = make_ui.text()
    stops = re.findall(r"The (worker|server) \(pid \d+\) (stopped|killed[^.]*)\.", printed)
    assert stops == [("worker", "stopped"), ("server", "stopped")], printed[-3000:]
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in ours) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in ours if _alive(pid)], "make ui left processes running"
