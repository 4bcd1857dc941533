"""A local Prefect server, offermap's deployments and a process worker, for `make ui` and tests.

Run `python -m scripts.local_prefect` from the project folder: it starts `prefect server start`
on loopback, creates the process work pool, deploys every deployment of prefect.yaml, starts a
worker, prints the UI address and keeps them running until Ctrl-C. `--sandbox` also starts the
local emulators of both APIs and points the worker at them, so runs work without credentials.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from contextlib import ExitStack, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import httpx

from flows.naming import planned_name
from offermap.cli.prefect_server import die_with_parent, wait_until_up

PROJECT_ROOT = Path(__file__).resolve().parent.parent
WORK_POOL = "offermap-process"
# How often make ui names the runs the scheduler planned (a worker takes them 10 s early).
_NAMING_SECONDS = 3.0
_PREFECT = Path(sys.executable).with_name("prefect")


class LocalPrefectError(RuntimeError):
    """A step of bringing up the local Prefect stack failed; the message has its output."""


def call_api(api_url: str, method: str, path: str, body: Any = None) -> Any:
    """One call to a Prefect server's REST API; its JSON answer.

    A 503 or a request that times out is retried for up to two minutes, as Prefect's own
    client does: the server answers 503, or nothing for a while, when its SQLite file is
    locked by the scheduler and workers on a busy machine (docs/notes/stack-pitfalls.md#p22).
    """
    deadline = time.monotonic() + 120
    while True:
        try:
            response = httpx.request(method, f"{api_url}{path}", json=body, timeout=30.0)
        except httpx.TimeoutException:
            if time.monotonic() > deadline:
                raise
            continue
        if response.status_code != 503 or time.monotonic() > deadline:
            break
        time.sleep(1.0)
    response.raise_for_status()
    return response.json() if response.content else None


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Child:
    """A process we started: its role ("server" or "worker"), the process and its log."""

    role: str
    process: subprocess.Popen[bytes]
    log_name: str


@dataclass(frozen=True)
class Stopped:
    """How one of our processes ended when we stopped it."""

    role: str
    pid: int
    returncode: int
    killed: bool  # it did not stop on SIGTERM within the time given and got SIGKILL


def _signal_group(pid: int, signum: int) -> None:
    with suppress(ProcessLookupError, PermissionError):  # the group is gone already
        os.killpg(pid, signum)


class LocalPrefect:
    """A Prefect server, its work pool, deployments and workers, each a child process of ours."""

    def __init__(self, home: Path, port: int, *, project_root: Path = PROJECT_ROOT) -> None:
        self.home = home
        self.port = port
        self.project_root = project_root
        self._children: list[Child] = []
        self._logs: list[IO[bytes]] = []
        self.stopped: list[Stopped] = []

    @property
    def api_url(self) -> str:
        """The REST API root, as PREFECT_API_URL wants it."""
        return f"http://127.0.0.1:{self.port}/api"

    @property
    def ui_url(self) -> str:
        """Where the Prefect UI is served."""
        return f"http://127.0.0.1:{self.port}"

    def env(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """The environment of every Prefect command: this server, this home, no telemetry."""
        env = {
            **os.environ,
            "PREFECT_HOME": str(self.home),
            "PREFECT_API_URL": self.api_url,
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "DO_NOT_TRACK": "1",
            "GX_ANALYTICS_ENABLED": "False",
            # Read by prefect.yaml's pull step when deploying: where workers find the flows.
            "OFFERMAP_PROJECT_ROOT": str(self.project_root),
        }
        env.update(extra or {})
        return env

    def _spawn(self, role: str, args: list[str], log_name: str, env: Mapping[str, str]) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        log = (self.home / log_name).open("ab")
        self._logs.append(log)
        process = subprocess.Popen(
            [str(_PREFECT), *args],
            env=dict(env),
            cwd=self.project_root,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            # Its own process group, so stopping it also stops the processes it started
            # (a worker's flow runs).
            start_new_session=True,
            # And if we are killed outright, the kernel stops it for us (Linux).
            preexec_fn=die_with_parent(),
        )
        self._children.append(Child(role, process, log_name))

    def start_server(self, timeout: float = 120.0) -> None:
        """Start `prefect server start` and wait until its API answers."""
        args = ["server", "start", "--host", "127.0.0.1", "--port", str(self.port)]
        self._spawn("server", [*args, "--analytics-off"], "server.log", self.env())
        server = self._children[-1].process
        failure = wait_until_up(server, self.api_url, timeout, poll=0.5)
        if failure is not None:
            raise LocalPrefectError(f"the Prefect server {failure}:\n{self.log_tail('server.log')}")

    def prefect(
        self, *args: str, timeout: float = 120.0, env: Mapping[str, str] | None = None
    ) -> str:
        """Run one `prefect` command against the server; its output, or an error with it."""
        done = subprocess.run(
            [str(_PREFECT), *args],
            env=dict(env or self.env()),
            cwd=self.project_root,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise LocalPrefectError(
                f"prefect {' '.join(args)} failed ({done.returncode}):\n{done.stdout}{done.stderr}"
            )
        return done.stdout

    def deploy(self) -> str:
        """Create (or update) the process work pool, then deploy everything in prefect.yaml."""
        self.prefect("work-pool", "create", WORK_POOL, "--type", "process", "--overwrite")
        return self.prefect("--no-prompt", "deploy", "--all")

    def start_worker(
        self,
        env: Mapping[str, str] | None = None,
        *,
        name: str | None = None,
        extra_args: tuple[str, ...] = (),
    ) -> str:
        """Start a process worker on the pool; it runs flows with this environment.

        Args:
            name: the worker's name (default: Prefect's); its log is `<name>.log`, or
                `worker.log` without one.
            extra_args: more `prefect worker start` options, e.g. ("--limit", "2").

        Returns:
            The worker's log file name.
        """
        args = ["worker", "start", "--pool", WORK_POOL, *extra_args]
        if name:
            args += ["--name", name]
        log_name = f"{name}.log" if name else "worker.log"
        self._spawn("worker", args, log_name, self.env(env))
        return log_name

    def run_worker_once(self, env: Mapping[str, str] | None = None, timeout: float = 300.0) -> str:
        """Let a worker pick up the runs due now, run them to the end, and exit."""
        return self.prefect(
            "worker", "start", "--pool", WORK_POOL, "--run-once", timeout=timeout, env=self.env(env)
        )

    def log_tail(self, name: str, lines: int = 40) -> str:
        """The last lines of one of the children's logs."""
        path = self.home / name
        text = path.read_text(errors="replace") if path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def api(self, method: str, path: str, body: Any = None) -> Any:
        """One call to the server's REST API; its JSON answer (503 retried: `call_api`)."""
        return call_api(self.api_url, method, path, body)

    def next_runs(self) -> dict[str, dict[str, Any] | None]:
        """Each deployment ("flow/deployment") and its next scheduled run (None: none yet)."""
        flows = {f["id"]: f["name"] for f in self.api("POST", "/flows/filter", {})}
        found: dict[str, dict[str, Any] | None] = {}
        for deployment in self.api("POST", "/deployments/filter", {}):
            runs = self.api(
                "POST",
                "/flow_runs/filter",
                {
                    "deployments": {"id": {"any_": [deployment["id"]]}},
                    "flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}},
                    "sort": "EXPECTED_START_TIME_ASC",
                    "limit": 1,
                },
            )
            key = f"{flows.get(deployment['flow_id'], '?')}/{deployment['name']}"
            found[key] = {**runs[0], "deployment": deployment} if runs else None
        return found

    def scheduled_deployments(self) -> set[str]:
        """The deployments ("flow/deployment") with at least one active schedule."""
        flows = {f["id"]: f["name"] for f in self.api("POST", "/flows/filter", {})}
        return {
            f"{flows.get(d['flow_id'], '?')}/{d['name']}"
            for d in self.api("POST", "/deployments/filter", {})
            if any(s.get("active") for s in d.get("schedules") or [])
        }

    def wait_for_schedules(self, timeout: float = 60.0) -> dict[str, dict[str, Any] | None]:
        """The next run of each deployment once the scheduler made one for every deployment
        with an active schedule, or what there is after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            runs = self.next_runs()
            waiting = [
                key
                for key, run in runs.items()
                if run is None and key in self.scheduled_deployments()
            ]
            if not waiting or time.monotonic() >= deadline:
                return runs
            time.sleep(1.0)

    def name_scheduled_runs(self) -> int:
        """Give offermap's scheduled runs their final names (`sync-acme-20261124-090000`) before
        a worker picks them up, so that its log names them as the UI does; how many."""
        flows = {f["id"]: f["name"] for f in self.api("POST", "/flows/filter", {})}
        scheduled = self.api(
            "POST",
            "/flow_runs/filter",
            {"flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}}, "limit": 200},
        )
        renamed = 0
        for run in scheduled:
            name = planned_name(
                flows.get(run["flow_id"], ""),
                run.get("parameters") or {},
                run["name"],
                datetime.fromisoformat(run["expected_start_time"]),
            )
            if name:
                self.api("PATCH", f"/flow_runs/{run['id']}", {"name": name})
                renamed += 1
        return renamed

    def stop(self, timeout: float = 20.0) -> list[Stopped]:
        """Stop the workers, then the server: each gets SIGTERM (with its process group) and
        `timeout` seconds before SIGKILL. Returns how each ended, in the order they stopped."""
        # Workers first, so that they can still tell the server what happened to their runs.
        for role in ("worker", "server"):
            group = [c for c in self._children if c.role == role]
            for child in group:
                if child.process.poll() is None:
                    _signal_group(child.process.pid, signal.SIGTERM)
            for child in group:
                killed = False
                try:
                    child.process.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    _signal_group(child.process.pid, signal.SIGKILL)
                    child.process.wait()
                    killed = True
                # What the process group started (a worker's flow runs) goes with it.
                _signal_group(child.process.pid, signal.SIGKILL)
                self.stopped.append(
                    Stopped(role, child.process.pid, child.process.returncode, killed)
                )
        self._children.clear()
        for log in self._logs:
            log.close()
        self._logs.clear()
        return self.stopped

    def __enter__(self) -> LocalPrefect:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def _sandbox_env(stack: ExitStack, home: Path) -> dict[str, str]:
    from offermap.sandbox import SandboxServer, build_tenant

    server = stack.enter_context(SandboxServer(tenant=build_tenant(scale="small", seed=7), port=0))
    env: dict[str, str] = server.env()
    # Next to Prefect's home (.offermap/ under make), never the operator's own OFFERMAP_DB.
    env["OFFERMAP_DB"] = str(home.parent / "sandbox.duckdb")
    return env


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _schedule_text(deployment: dict[str, Any]) -> str:
    texts = []
    for entry in deployment.get("schedules") or []:
        if not entry.get("active"):
            continue
        schedule = entry.get("schedule") or {}
        if "cron" in schedule:
            texts.append(f"cron {schedule['cron']} {schedule.get('timezone') or 'UTC'}")
        elif "interval" in schedule:
            texts.append(f"every {float(schedule['interval']):g} s")
        elif "rrule" in schedule:
            texts.append(f"rrule {schedule['rrule']}")
    return ", ".join(texts) or "no active schedule"


def _in_words(seconds: float) -> str:
    if seconds < 90:
        return f"in {max(0, round(seconds))} s"
    if seconds < 90 * 60:
        return f"in {round(seconds / 60)} min"
    return f"in {seconds / 3600:.1f} h"


def next_run_lines(runs: dict[str, dict[str, Any] | None], now: datetime) -> list[str]:
    """One line per deployment: its next scheduled run and its schedule, for people."""
    lines = []
    width = max((len(key) for key in runs), default=0)
    for key, run in sorted(runs.items()):
        if run is None:
            lines.append(
                f"  {key:<{width}}  no run scheduled yet: is the server's scheduler running? "
                "(see server.log)"
            )
            continue
        when = datetime.fromisoformat(run["expected_start_time"]).astimezone(UTC)
        lines.append(
            f"  {key:<{width}}  next run {when:%Y-%m-%d %H:%M:%S} UTC "
            f"({_in_words((when - now).total_seconds())}; {_schedule_text(run['deployment'])})"
        )
    return lines


def _report_stop(stopped: list[Stopped]) -> None:
    for entry in stopped:
        how = "killed after not stopping on SIGTERM" if entry.killed else "stopped"
        print(f"The {entry.role} (pid {entry.pid}) {how}.", flush=True)


def main(argv: list[str] | None = None) -> int:
    """Bring the stack up, print the UI address and the next runs, keep it running until stopped.

    Ctrl-C, `kill` (SIGTERM) and a closed terminal (SIGHUP) stop it the same way: the worker
    first, then the server.
    """
    parser = argparse.ArgumentParser(prog="make ui", description=__doc__)
    parser.add_argument("--port", type=int, default=4200, help="the UI and API port")
    parser.add_argument(
        "--sandbox", action="store_true", help="run the flows against the local emulators"
    )
    args = parser.parse_args(argv)
    # A plain `kill` must stop the server and the worker too, not leave them running alone.
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGHUP, _interrupt)
    # Started in the background (`make ui &`), we inherit an ignored SIGINT, and so would our
    # children: the Prefect worker turns SIGTERM into a SIGINT to itself and would then never
    # stop. Handling SIGINT here makes every child start with the default again.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    home = Path(os.environ.get("PREFECT_HOME") or PROJECT_ROOT / ".offermap" / "prefect")
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", args.port)) == 0:
            print(f"Port {args.port} is taken: run `make ui UI_PORT=<another port>`.")
            return 1
    stack = LocalPrefect(home, args.port)
    code = 0
    with ExitStack() as sandboxes:
        try:
            print(f"Starting the Prefect server (logs: {home / 'server.log'})...", flush=True)
            stack.start_server()
            print("Creating the work pool and deploying prefect.yaml...", flush=True)
            stack.deploy()
            worker_env = _sandbox_env(sandboxes, home) if args.sandbox else {}
            stack.start_worker(worker_env)
            print(f"\nPrefect UI: {stack.ui_url}\n", flush=True)
            print(f"Worker on pool {WORK_POOL} (logs: {home / 'worker.log'}).")
            if args.sandbox:
                print(f"Flows read the sandbox emulators and write {worker_env['OFFERMAP_DB']}.")
            print("Waiting for the scheduler to plan the first runs...", flush=True)
            runs = stack.wait_for_schedules()
            stack.name_scheduled_runs()
            print("Next scheduled runs:")
            print("\n".join(next_run_lines(runs, datetime.now(UTC))))
            print("Start one now from the UI (Quick run) or with:")
            print(
                f"  PREFECT_API_URL={stack.api_url} "
                ".venv/bin/prefect deployment run sync/sync-default"
            )
            print("Press Ctrl-C (or send SIGTERM) to stop the worker and the server.", flush=True)
            while True:
                time.sleep(_NAMING_SECONDS)
                # Runs the scheduler adds later get their names too; a busy server can wait.
                with suppress(httpx.HTTPError):
                    stack.name_scheduled_runs()
        except KeyboardInterrupt:
            print("\nStopping the worker, then the server...", flush=True)
        except (LocalPrefectError, httpx.HTTPError) as exc:
            print(f"make ui: {exc}", file=sys.stderr)
            code = 1
        finally:
            # A second Ctrl-C or kill while stopping must not leave the server behind.
            for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
                signal.signal(signum, signal.SIG_IGN)
            _report_stop(stack.stop())
    return code


if __name__ == "__main__":
    sys.exit(main())
