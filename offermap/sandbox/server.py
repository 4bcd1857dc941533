"""One loopback HTTP server hosting both emulators, run by uvicorn in a thread or the foreground."""

from __future__ import annotations

import contextlib
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from types import TracebackType

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from offermap.sandbox.autotask_app import AutotaskEmulator
from offermap.sandbox.cloudcockpit_app import CloudCockpitEmulator
from offermap.sandbox.credentials import SANDBOX_CREDENTIALS, SandboxCredentials
from offermap.sandbox.limits import FAULT_KINDS
from offermap.sandbox.tenant import Tenant, build_tenant

_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
HOST = "127.0.0.1"


def build_app(autotask: AutotaskEmulator, cloudcockpit: CloudCockpitEmulator) -> Starlette:
    """The ASGI app: paths are matched case-insensitively, as both real APIs do."""

    async def dispatch(request: Request) -> Response:
        """Send the request to the emulator owning its first path segment."""
        path = request.url.path.lower().strip("/")
        head, _, rest = path.partition("/")
        if head == "autotask":
            return await autotask.handle(request, rest)
        if head == "cloudcockpit":
            return await cloudcockpit.handle(request, rest)
        if head == "entra":
            return await cloudcockpit.token(request, rest)
        return HTMLResponse("<h1>404 Not Found</h1>", status_code=404)

    return Starlette(routes=[Route("/{path:path}", dispatch, methods=_METHODS)])


def sandbox_env(
    base_url: str, credentials: SandboxCredentials = SANDBOX_CREDENTIALS
) -> dict[str, str]:
    """The environment variables that point offermap's settings at a sandbox at `base_url`."""
    c = credentials
    return {
        "AUTOTASK_USERNAME": c.autotask_username,
        "AUTOTASK_SECRET": c.autotask_secret,
        "AUTOTASK_INTEGRATION_CODE": c.autotask_integration_code,
        "AUTOTASK_ZONE_LOOKUP_URL": f"{base_url}autotask/ATServicesRest/",
        "AUTOTASK_API_URL": f"{base_url}autotask/{c.autotask_zone_host}/ATServicesRest/",
        "CLOUDCOCKPIT_API_URL": f"{base_url}cloudcockpit/",
        "CLOUDCOCKPIT_TOKEN_URL": f"{base_url}entra/{c.entra_tenant_id}/oauth2/v2.0/token",
        "CLOUDCOCKPIT_CLIENT_ID": c.cloudcockpit_client_id,
        "CLOUDCOCKPIT_CLIENT_SECRET": c.cloudcockpit_client_secret,
        "CLOUDCOCKPIT_SCOPE": c.cloudcockpit_scope,
        "CLOUDCOCKPIT_TENANT": c.cloudcockpit_tenant,
    }


@dataclass(frozen=True)
class Rehearsal:
    """Knobs of both emulators set at start, so an outage can be rehearsed without Python.

    Latency and faults apply to both APIs; the thresholds and the paging lies are Autotask's;
    `empty_without_total` is CloudCockpit's. Each `*_dies_after` makes that API's process die
    after so many requests: the server stops listening, as a crashed process would.
    """

    latency_seconds: float = 0.0
    fault_rate: float = 0.0
    fault_kinds: tuple[str, ...] = FAULT_KINDS
    fault_seed: int = 0
    hourly_threshold: int = 10_000
    thread_threshold: int = 3
    retry_after_seconds: int = 30
    drop_next_page_on: int = 0
    empty_query_pages: bool = False
    empty_without_total: bool = False
    autotask_dies_after: int = 0
    cloudcockpit_dies_after: int = 0

    def __post_init__(self) -> None:
        """Refuse values no emulator could act on, with one line naming the knob."""
        if not 0.0 <= self.fault_rate <= 1.0:
            raise ValueError(f"fault rate must be between 0 and 1, not {self.fault_rate}")
        unknown = [kind for kind in self.fault_kinds if kind not in FAULT_KINDS]
        if unknown or not self.fault_kinds:
            raise ValueError(
                f"unknown fault kinds {', '.join(unknown) or '(none given)'}; "
                f"use some of {', '.join(FAULT_KINDS)}"
            )
        for name in (
            "latency_seconds",
            "hourly_threshold",
            "thread_threshold",
            "retry_after_seconds",
            "drop_next_page_on",
            "autotask_dies_after",
            "cloudcockpit_dies_after",
        ):
            if getattr(self, name) < 0:
                raise ValueError(f"{name.replace('_', ' ')} must not be negative")
        if self.thread_threshold == 0 or self.hourly_threshold == 0:
            raise ValueError("the hourly and thread thresholds must be at least 1")

    def apply(self, autotask: AutotaskEmulator, cloudcockpit: CloudCockpitEmulator) -> None:
        """Set the emulators' knobs from this rehearsal."""
        for knobs in (autotask.knobs, cloudcockpit.knobs):
            knobs.latency_seconds = self.latency_seconds
            knobs.fault_rate = self.fault_rate
            knobs.fault_kinds = self.fault_kinds
            knobs.seed = self.fault_seed
            knobs.retry_after_seconds = self.retry_after_seconds
        autotask.knobs.hourly_threshold = self.hourly_threshold
        autotask.knobs.thread_threshold = self.thread_threshold
        autotask.knobs.drop_next_page_on = self.drop_next_page_on
        autotask.knobs.empty_query_pages = self.empty_query_pages
        autotask.knobs.die_after_requests = self.autotask_dies_after
        cloudcockpit.knobs.empty_without_total = self.empty_without_total
        cloudcockpit.knobs.die_after_requests = self.cloudcockpit_dies_after

    def describe(self) -> str:
        """The knobs that differ from a calm sandbox, as `name=value` words (empty if none)."""
        calm = Rehearsal()
        changed = [
            f"{field.name}={_shown(getattr(self, field.name))}"
            for field in fields(self)
            if getattr(self, field.name) != getattr(calm, field.name)
        ]
        return " ".join(changed)


def _shown(value: object) -> str:
    return ",".join(value) if isinstance(value, tuple) else str(value)


class _ForegroundServer(uvicorn.Server):
    """A uvicorn server that stops on SIGINT/SIGTERM and then returns normally.

    uvicorn re-raises the captured signal after shutting down, which would kill the
    process (SIGTERM) or raise KeyboardInterrupt (Ctrl-C) in the command line.
    """

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        """Route SIGINT and SIGTERM to a graceful shutdown for the duration of `serve`."""
        previous = {
            sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)
        }
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def _bind(port: int) -> socket.socket:
    # With protocol 0 asyncio does not recognise a TCP socket and leaves Nagle's algorithm on:
    # every response then waits ~40 ms for the client's delayed ACK. Accepted sockets inherit
    # TCP_NODELAY from the listening one.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


class SandboxServer:
    """Both emulators on one loopback port, served by uvicorn in a background thread.

    Use as a context manager: `with SandboxServer(tenant=t, port=0) as server: ...`.
    """

    def __init__(
        self,
        tenant: Tenant | None = None,
        port: int = 0,
        credentials: SandboxCredentials = SANDBOX_CREDENTIALS,
        startup_timeout: float = 10.0,
    ) -> None:
        """Prepare the emulators; nothing listens until `start()` or `with`.

        Args:
            tenant: the data to serve; `build_tenant("small", 7)` when None.
            port: the loopback port; 0 picks a free one.
            credentials: what the emulators accept.
            startup_timeout: seconds to wait for uvicorn to start.
        """
        self.tenant = tenant if tenant is not None else build_tenant("small", 7)
        self.credentials = credentials
        self.autotask = AutotaskEmulator(self.tenant, credentials)
        self.cloudcockpit = CloudCockpitEmulator(self.tenant, credentials)
        # An emulator that dies (knobs.die_after_requests) takes the server down with it.
        for emulator in (self.autotask, self.cloudcockpit):
            emulator.lifeline.on_death.append(self._die)
        self.app = build_app(self.autotask, self.cloudcockpit)
        self._requested_port = port
        self._startup_timeout = startup_timeout
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:<port>/` of the running server.

        Raises:
            RuntimeError: when the server is not running.
        """
        if self._server is None:
            raise RuntimeError("the sandbox server is not running; use start() or a with block")
        return f"http://{HOST}:{self.port}/"

    def env(self) -> dict[str, str]:
        """Environment variables (setting name -> value) that point offermap at this server."""
        return sandbox_env(self.base_url, self.credentials)

    def start(self) -> SandboxServer:
        """Bind the port and serve in a daemon thread; returns once requests are accepted.

        Raises:
            RuntimeError: when uvicorn does not start within the timeout.
        """
        if self._server is not None:
            return self
        self._socket = _bind(self._requested_port)
        self.port = int(self._socket.getsockname()[1])
        config = uvicorn.Config(
            self.app,
            log_level="critical",
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=2,
        )
        server = uvicorn.Server(config)
        self._server = server
        sock = self._socket
        self._thread = threading.Thread(
            target=lambda: server.run(sockets=[sock]), name=f"sandbox-{self.port}", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + self._startup_timeout
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the sandbox server did not start on {HOST}:{self.port}")
            time.sleep(0.01)
        return self

    def _die(self) -> None:
        # Called on the server's own event loop: uvicorn stops accepting connections, so
        # later requests are refused as by a dead process.
        if self._server is not None:
            self._server.should_exit = True

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._socket is not None:
            self._socket.close()
        self._server = None
        self._thread = None
        self._socket = None

    def __enter__(self) -> SandboxServer:
        """Start the server."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the server."""
        self.stop()


def serve_forever(
    port: int,
    scale: str = "small",
    seed: int = 7,
    print_fn: Callable[[str], object] = print,
    rehearsal: Rehearsal | None = None,
) -> None:
    """Serve a generated tenant in the foreground until Ctrl-C, SIGTERM, or a rehearsed death.

    Prints one `export NAME=value` line per setting first, so that
    `eval "$(offermap sandbox serve ...)"`-style use or copy-paste works, then a `#` line
    naming the rehearsed knobs, if any.

    Args:
        port: the loopback port (0 picks a free one).
        scale: tenant scale ("small", "large", "xl").
        seed: tenant seed.
        print_fn: where the export lines go.
        rehearsal: knobs to set on both emulators (latency, faults, thresholds, lies).
    """
    tenant = build_tenant(scale, seed)
    autotask = AutotaskEmulator(tenant, SANDBOX_CREDENTIALS)
    cloudcockpit = CloudCockpitEmulator(tenant, SANDBOX_CREDENTIALS)
    if rehearsal is not None:
        rehearsal.apply(autotask, cloudcockpit)
    sock = _bind(port)
    try:
        base_url = f"http://{HOST}:{sock.getsockname()[1]}/"
        for name, value in sandbox_env(base_url).items():
            print_fn(f"export {name}={value}")
        described = rehearsal.describe() if rehearsal is not None else ""
        if described:
            print_fn(f"# rehearsing: {described}")
        config = uvicorn.Config(
            build_app(autotask, cloudcockpit),
            log_level="warning",
            lifespan="off",
            timeout_graceful_shutdown=2,
        )
        server = _ForegroundServer(config)

        def die() -> None:
            server.should_exit = True

        for emulator in (autotask, cloudcockpit):
            emulator.lifeline.on_death.append(die)
        server.run(sockets=[sock])
    finally:
        sock.close()
