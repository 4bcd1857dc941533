"""The Prefect API a command's flow runs report to, when no Prefect server is configured.

`offermap sync` and `offermap apply` run their flow in the command's own process. With
`PREFECT_API_URL` set they report to that server. Without it Prefect would start a temporary
server of its own, which outlives the command when the command is killed (`kill -9`, an
out-of-memory kill): ~200 MB left running for good. So the command starts the same temporary
server itself (Prefect's server app, as Prefect's ephemeral mode runs it: no UI, no
background services) and ties it to its own life: on Linux the kernel sends the server SIGTERM
when the command dies (`PR_SET_PDEATHSIG`), and a normal end stops it explicitly.

Nothing here is needed by deployments: a worker's flow runs always have a server.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from offermap.errors import OffermapError

_PR_SET_PDEATHSIG = 1
_STOP_SECONDS = 10.0
_MIN_STARTUP_SECONDS = 90.0


class LocalServerError(OffermapError):
    """The temporary Prefect server did not start; the message says where its log is."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def die_with_parent() -> Callable[[], None] | None:
    """A pre-exec hook that makes the child get SIGTERM when we die; None where unsupported.

    The C function is looked up here, in the parent: the child, between fork and exec, only
    calls it.
    """
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    prctl = libc.prctl
    parent = os.getpid()

    def hook() -> None:
        prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
        if os.getppid() != parent:  # we died before the hook ran: do not linger
            os._exit(1)

    return hook


def wait_until_up(
    process: subprocess.Popen[bytes], api_url: str, timeout: float, poll: float = 0.1
) -> str | None:
    """Wait until the Prefect server `process` answers `api_url/health`.

    Returns:
        None once it answers; else why not ("exited with status 3", "did not answer within
        90 s"), for the caller's own error.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return f"exited with status {process.returncode}"
        try:
            if httpx.get(f"{api_url}/health", timeout=2.0).status_code == 200:
                return None
        except httpx.HTTPError:
            pass  # not listening yet
        time.sleep(poll)
    return f"did not answer within {timeout:g} s"


def _stop(process: subprocess.Popen[bytes]) -> None:
    # Whatever the flow logged or emitted is sent before the server goes, not at exit to a
    # server that is gone.
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    APILogWorker.drain_all(timeout=5)
    EventsWorker.drain_all(timeout=5)
    process.terminate()
    try:
        process.wait(timeout=_STOP_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def command_api(log: Path, announce: Callable[[str], None] | None = None) -> Iterator[str]:
    """The Prefect API for the flows this block runs; yields its URL.

    `PREFECT_API_URL`, when set, is used as it is. Otherwise a temporary server is started
    for the block, writing its output to `log`, and stopped afterwards; it also stops when
    this process dies.

    Args:
        announce: told when a temporary server starts and when it is up (it takes seconds,
            which a person should not spend wondering).

    Raises:
        LocalServerError: the temporary server did not come up.
    """
    import prefect
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS,
        get_current_settings,
        temporary_settings,
    )

    configured = PREFECT_API_URL.value()
    if configured:
        yield str(configured)
        return
    port = _free_port()
    url = f"http://127.0.0.1:{port}/api"
    env = {
        **os.environ,
        **get_current_settings().to_environment_variables(exclude_unset=True),
        # What Prefect's own temporary server sets: no UI, no background services.
        "PREFECT_UI_ENABLED": "0",
        "PREFECT__SERVER_EPHEMERAL": "1",
        "PREFECT__SERVER_FINAL": "1",
    }
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--app-dir",
                str(Path(prefect.__file__).parent.parent),
                "--factory",
                "prefect.server.api.server:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "error",
                "--lifespan",
                "on",
            ],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            preexec_fn=die_with_parent(),  # before the flow starts threads of its own
            # Out of the terminal's process group: a Ctrl-C goes to the command alone, which
            # then records the interrupted run on this server before it stops it. Sharing the
            # group, the server died with the same keystroke and the command hung reporting
            # to it.
            start_new_session=True,
        )
    try:
        # A first start creates and migrates Prefect's database: on a busy machine that takes
        # longer than Prefect's 20 s default, so never less than _MIN_STARTUP_SECONDS.
        timeout = max(
            float(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value()), _MIN_STARTUP_SECONDS
        )
        started = time.monotonic()
        if announce:
            announce("Starting a temporary Prefect server for this run...")
        failure = wait_until_up(process, url, timeout)
        if failure is not None:
            hint = (
                " (set PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS higher on a busy machine)"
                if process.poll() is None
                else ""
            )
            raise LocalServerError(
                f"the temporary Prefect server {failure}{hint}; its log is {log}"
            )
        if announce:
            announce(f"Prefect is up ({time.monotonic() - started:.1f} s).")
        with temporary_settings(updates={PREFECT_API_URL: url}):
            yield url
    finally:
        _stop(process)


def prepare_prefect_home() -> Path:
    """Create Prefect's home folder with its parents; call it before Prefect is imported.

    Prefect creates only the last level of `PREFECT_HOME` when it is imported, so after a
    user deletes `.offermap/` (where `make` points it) Prefect could neither start nor open its
    database. Returns the folder.
    """
    home = Path(os.environ.get("PREFECT_HOME") or "~/.prefect").expanduser()
    home.mkdir(parents=True, exist_ok=True)
    return home
