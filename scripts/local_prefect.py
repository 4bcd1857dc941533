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
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any

import httpx

PROJECT_ROOT = Path(__file__).resolve().parent.parent
WORK_POOL = "offermap-process"
_PREFECT = Path(sys.executable).with_name("prefect")


class LocalPrefectError(RuntimeError):
    """A step of bringing up the local Prefect stack failed; the message has its output."""


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LocalPrefect:
    """A Prefect server, its work pool, deployments and workers, each a child process of ours."""

    def __init__(self, home: Path, port: int, *, project_root: Path = PROJECT_ROOT) -> None:
        self.home = home
        self.port = port
        self.project_root = project_root
        self._children: list[subprocess.Popen[bytes]] = []
        self._logs: list[IO[bytes]] = []

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

    def _spawn(self, args: list[str], log_name: str, env: Mapping[str, str]) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        log = (self.home / log_name).open("ab")
        self._logs.append(log)
        child = subprocess.Popen(
            [str(_PREFECT), *args],
            env=dict(env),
            cwd=self.project_root,
            stdout=log,
            stderr=subprocess.STDOUT,
            # Its own process group, so stopping it also stops the processes it started.
            start_new_session=True,
        )
        self._children.append(child)

    def start_server(self, timeout: float = 120.0) -> None:
        """Start `prefect server start` and wait until its API answers."""
        args = ["server", "start", "--host", "127.0.0.1", "--port", str(self.port)]
        self._spawn([*args, "--analytics-off"], "server.log", self.env())
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._children[0].poll() is not None:
                raise LocalPrefectError(
                    f"the Prefect server exited:\n{self.log_tail('server.log')}"
                )
            try:
                if httpx.get(f"{self.api_url}/health", timeout=2.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass  # not listening yet
            time.sleep(0.5)
        raise LocalPrefectError(f"the Prefect server did not answer in {timeout:g} s")

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

    def start_worker(self, env: Mapping[str, str] | None = None) -> None:
        """Start a process worker on the pool; it runs flows with this environment."""
        self._spawn(["worker", "start", "--pool", WORK_POOL], "worker.log", self.env(env))

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

    def stop(self) -> None:
        """Stop the worker and the server we started (their process groups), newest first."""
        for child in reversed(self._children):
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGTERM)
        for child in reversed(self._children):
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()
        self._children.clear()
        for log in self._logs:
            log.close()
        self._logs.clear()

    def __enter__(self) -> LocalPrefect:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def _sandbox_env(stack: ExitStack) -> dict[str, str]:
    from offermap.sandbox import SandboxServer, build_tenant

    server = stack.enter_context(SandboxServer(tenant=build_tenant(scale="small", seed=7), port=0))
    env: dict[str, str] = server.env()
    env["OFFERMAP_DB"] = str(PROJECT_ROOT / ".offermap" / "sandbox.duckdb")
    return env


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    """Bring the stack up, print the UI address, and keep it running until Ctrl-C."""
    parser = argparse.ArgumentParser(prog="make ui", description=__doc__)
    parser.add_argument("--port", type=int, default=4200, help="the UI and API port")
    parser.add_argument(
        "--sandbox", action="store_true", help="run the flows against the local emulators"
    )
    args = parser.parse_args(argv)
    # A plain `kill` must stop the server and the worker too, not leave them running alone.
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGHUP, _interrupt)
    home = Path(os.environ.get("PREFECT_HOME") or PROJECT_ROOT / ".offermap" / "prefect")
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", args.port)) == 0:
            print(f"Port {args.port} is taken: run `make ui UI_PORT=<another port>`.")
            return 1
    with ExitStack() as sandboxes, LocalPrefect(home, args.port) as stack:
        try:
            print(f"Starting the Prefect server (logs: {home / 'server.log'})...", flush=True)
            stack.start_server()
            print("Creating the work pool and deploying prefect.yaml...", flush=True)
            stack.deploy()
            worker_env = _sandbox_env(sandboxes) if args.sandbox else {}
            stack.start_worker(worker_env)
            print(f"\nPrefect UI: {stack.ui_url}\n", flush=True)
            print(f"Worker on pool {WORK_POOL} (logs: {home / 'worker.log'}).")
            print("Deployments run on their schedules; start one now from the UI (Quick run)")
            print(
                f"or with: PREFECT_API_URL={stack.api_url} "
                ".venv/bin/prefect deployment run sync/sync-default"
            )
            if args.sandbox:
                print(f"Flows read the sandbox emulators and write {worker_env['OFFERMAP_DB']}.")
            print("Press Ctrl-C to stop the worker and the server.", flush=True)
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            print("\nStopping...")
        except LocalPrefectError as exc:
            print(f"make ui: {exc}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
