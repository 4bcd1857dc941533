"""Shared helpers of the pipeline benchmarks: stage timing with peak memory, a sandbox process."""

from __future__ import annotations

import math
import multiprocessing
import os
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import chdir, contextmanager, suppress
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from types import TracebackType
from typing import Any

from offermap.bench.report import peak_rss_mib

# Often enough to catch a DuckDB or pandas peak of a stage lasting a fraction of a second,
# rarely enough not to cost the measured code anything visible.
_SAMPLE_SECONDS = 0.01
_SANDBOX_START_SECONDS = 180.0
_SANDBOX_REPLY_SECONDS = 60.0


def rss_mib() -> float:
    """This process's resident memory now, in MiB (the peak so far where /proc is missing)."""
    try:
        with open("/proc/self/statm") as statm:
            resident_pages = int(statm.read().split()[1])
    except (OSError, ValueError, IndexError):
        return peak_rss_mib()
    return round(resident_pages * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)


@dataclass
class Stage:
    """One timed stage: wall seconds and the highest resident memory seen while it ran."""

    name: str
    seconds: float
    peak_rss_mib: float
    start_rss_mib: float

    def row(self) -> dict[str, Any]:
        """The stage as a report row."""
        return {
            "stage": self.name,
            "seconds": round(self.seconds, 2),
            "peak RSS MiB": self.peak_rss_mib,
            "RSS at start MiB": self.start_rss_mib,
        }


class _Sampler(threading.Thread):
    """Samples resident memory until stopped and keeps the maximum."""

    def __init__(self) -> None:
        super().__init__(name="bench-rss-sampler", daemon=True)
        self.peak = rss_mib()
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(_SAMPLE_SECONDS):
            self.peak = max(self.peak, rss_mib())

    def stop(self) -> float:
        self._stop_event.set()
        self.join()
        return max(self.peak, rss_mib())


@dataclass
class Stopwatch:
    """Times named stages of one benchmark run, in order."""

    stages: list[Stage] = field(default_factory=list)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Time the block as the stage `name`, sampling resident memory while it runs."""
        sampler = _Sampler()
        start_rss = sampler.peak
        sampler.start()
        started = time.perf_counter()
        try:
            yield
        finally:
            seconds = time.perf_counter() - started
            self.stages.append(Stage(name, seconds, sampler.stop(), start_rss))

    def seconds(self, *names: str) -> float:
        """The summed wall time of the named stages."""
        return round(sum(s.seconds for s in self.stages if s.name in names), 3)

    def get(self, name: str) -> Stage:
        """The stage called `name`.

        Raises:
            KeyError: no stage of that name was timed.
        """
        for stage in self.stages:
            if stage.name == name:
                return stage
        raise KeyError(name)


def minimum_pages(records: int, page_size: int) -> int:
    """Pages needed to read `records` at `page_size` a page (one, empty, when there are none)."""
    return max(1, math.ceil(records / page_size))


# The developer's own settings must not leak into a benchmark run (a reseller id would read
# another context, a real database path would be written to).
_SETTING_PREFIXES = ("AUTOTASK_", "CLOUDCOCKPIT_", "OFFERMAP_")


@contextmanager
def isolated_run(values: Mapping[str, str]) -> Iterator[Path]:
    """Run the block in a fresh temporary folder with only these offermap settings set.

    AUTOTASK_, CLOUDCOCKPIT_ and OFFERMAP_ variables of the caller are removed and `values`
    set; the working directory is the temporary folder (so no `.env` file is read), which is
    yielded and deleted afterwards. The environment and directory are restored exactly.
    """
    saved = dict(os.environ)
    try:
        with tempfile.TemporaryDirectory(prefix="offermap-bench-") as folder, chdir(folder):
            for name in list(os.environ):
                if name.startswith(_SETTING_PREFIXES):
                    del os.environ[name]
            os.environ.update(values)
            yield Path(folder)
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _serve_sandbox(scale: str, seed: int, latency_seconds: float, pipe: Connection) -> None:
    """Child process: serve a tenant, answer stats requests on the pipe until told to stop."""
    from offermap.sandbox import SandboxServer, build_tenant

    tenant = build_tenant(scale, seed)
    with SandboxServer(tenant=tenant, port=0) as server:
        for emulator in (server.autotask, server.cloudcockpit):
            emulator.knobs.latency_seconds = latency_seconds
        pipe.send(
            {
                "env": server.env(),
                "subscriptions": len(tenant.cc_subscriptions),
                "customers": len(tenant.cc_customers),
                "services": len(tenant.autotask_services),
                "variants": len(tenant.ground_truth),
            }
        )
        while True:
            command = pipe.recv()
            if command == "stats":
                pipe.send(
                    {
                        name: {
                            "requests": {
                                f"{method} {kind}": count
                                for (method, kind), count in sorted(emulator.stats.requests.items())
                            },
                            "peak_concurrency": dict(emulator.stats.peak_concurrency),
                            "faults": dict(emulator.stats.faults),
                            "rejections": dict(emulator.stats.rejections),
                        }
                        for name, emulator in (
                            ("autotask", server.autotask),
                            ("cloudcockpit", server.cloudcockpit),
                        )
                    }
                )
            elif isinstance(command, tuple) and command[0] == "latency":
                for emulator in (server.autotask, server.cloudcockpit):
                    emulator.knobs.latency_seconds = float(command[1])
                pipe.send("ok")
            elif command == "reset":
                server.autotask.stats.reset()
                server.cloudcockpit.stats.reset()
                pipe.send("ok")
            else:
                break


class SandboxProcess:
    """Both emulators serving a generated tenant in a child process, over loopback.

    A child process keeps the emulators' CPU and memory out of the measured process: on two
    cores, an in-process server would compete with the client for the interpreter lock.
    Use as a context manager; `env` points offermap's settings at it.
    """

    def __init__(self, scale: str, seed: int = 7, latency_seconds: float = 0.0) -> None:
        """Prepare a sandbox of `scale` answering each counted request after `latency_seconds`."""
        self.scale = scale
        self.seed = seed
        self.latency_seconds = latency_seconds
        self.env: dict[str, str] = {}
        self.sizes: dict[str, int] = {}
        self._pipe: Connection | None = None
        self._process: Any = None

    def __enter__(self) -> SandboxProcess:
        """Start the child and wait until it serves."""
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe()
        self._process = context.Process(
            target=_serve_sandbox,
            args=(self.scale, self.seed, self.latency_seconds, child),
            name=f"bench-sandbox-{self.scale}",
            daemon=True,
        )
        self._process.start()
        child.close()
        self._pipe = parent
        if not parent.poll(_SANDBOX_START_SECONDS):
            self.__exit__(None, None, None)
            raise RuntimeError(f"the {self.scale} sandbox did not start within 180 s")
        hello: dict[str, Any] = parent.recv()
        self.env = hello.pop("env")
        self.sizes = hello
        return self

    def _ask(self, command: str | tuple[str, float]) -> Any:
        if self._pipe is None:
            raise RuntimeError("the sandbox process is not running; use it in a with block")
        self._pipe.send(command)
        if not self._pipe.poll(_SANDBOX_REPLY_SECONDS):
            raise RuntimeError(f"the sandbox process did not answer {command!r}")
        return self._pipe.recv()

    def stats(self) -> dict[str, Any]:
        """Requests each emulator counted, by "METHOD kind", with peaks, faults and rejections."""
        result: dict[str, Any] = self._ask("stats")
        return result

    def set_latency(self, seconds: float) -> None:
        """Make both emulators answer each counted request after `seconds` from now on."""
        self._ask(("latency", seconds))
        self.latency_seconds = seconds

    def reset(self) -> None:
        """Forget the emulators' counters (e.g. between two measured runs)."""
        self._ask("reset")

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the child process."""
        if self._pipe is not None:
            # The child may be gone already; joining it below is then all that is left.
            with suppress(OSError, ValueError):
                self._pipe.send("stop")
            self._pipe.close()
            self._pipe = None
        if self._process is not None:
            self._process.join(timeout=15)
            if self._process.is_alive():
                self._process.terminate()
                self._process.join(timeout=5)
            self._process = None


# Which emulator request kinds are pages of which list; every other kind is a fixed call
# (token, picklist, count, threshold) whose number does not grow with the records. The first
# list of an API is the one its benchmarks are about (services, subscriptions).
_PAGE_KINDS: dict[str, dict[str, tuple[str, ...]]] = {
    "autotask": {"services": ("POST Services/query", "POST Services/query/next")},
    # The sync names the subscriptions' customers: it reads their list too.
    "cloudcockpit": {
        "subscriptions": ("GET v1/subscriptions",),
        "customers": ("GET v1/customers",),
    },
}
# Autotask answers at most 500 records a page, whatever is asked.
AUTOTASK_PAGE_SIZE = 500


@dataclass(frozen=True)
class ListPages:
    """The pages one list took, against the minimum its records need."""

    name: str
    records: int
    pages: int
    page_size: int

    @property
    def minimum_pages(self) -> int:
        """ceil(records / page_size): fewer pages cannot hold the records."""
        return minimum_pages(self.records, self.page_size)


@dataclass(frozen=True)
class RequestCount:
    """Requests one API answered while its lists were read, against the minimum they need.

    `lists` holds each list read, the API's main one (services, subscriptions) first;
    `records`, `page_size`, `pages` and `minimum_pages` add them up (records: the main list's).
    """

    api: str
    lists: tuple[ListPages, ...]
    fixed: dict[str, int]

    @property
    def records(self) -> int:
        """Records of the main list (services or subscriptions)."""
        return self.lists[0].records

    @property
    def page_size(self) -> int:
        """The page size the lists were read at."""
        return self.lists[0].page_size

    @property
    def pages(self) -> int:
        """Pages of every list."""
        return sum(item.pages for item in self.lists)

    @property
    def minimum_pages(self) -> int:
        """The fewest pages that can hold every list's records."""
        return sum(item.minimum_pages for item in self.lists)

    @property
    def total(self) -> int:
        """Every request answered: pages and fixed calls."""
        return self.pages + sum(self.fixed.values())

    @property
    def extra_pages(self) -> int:
        """Pages beyond the minimum (retries, re-reads); 0 is the goal."""
        return self.pages - self.minimum_pages

    def describe(self) -> str:
        """ "63 = 10 pages (minimum 10) + 2 fixed (...)" for a report row."""
        fixed = ", ".join(f"{kind} {n}" for kind, n in sorted(self.fixed.items()))
        minimums = " + ".join(
            f"{item.minimum_pages} for {item.records} {item.name}" for item in self.lists
        )
        return (
            f"{self.total} requests = {self.pages} pages (minimum {minimums} at "
            f"{self.page_size} a page) + {sum(self.fixed.values())} fixed ({fixed or 'none'})"
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON figures."""
        return {
            "api": self.api,
            "records": self.records,
            "page_size": self.page_size,
            "requests": self.total,
            "pages": self.pages,
            "minimum_pages": self.minimum_pages,
            "extra_pages": self.extra_pages,
            "fixed": dict(self.fixed),
            "lists": {
                item.name: {
                    "records": item.records,
                    "pages": item.pages,
                    "minimum_pages": item.minimum_pages,
                }
                for item in self.lists
            },
        }


def count_requests(
    stats: Mapping[str, Any],
    api: str,
    *,
    records: int | Mapping[str, int],
    page_size: int,
) -> RequestCount:
    """Split what an emulator counted (see `SandboxProcess.stats`) into pages and fixed calls.

    Args:
        records: the records of each list that was read, by list name (e.g. {"subscriptions":
            50000, "customers": 2000}); a number stands for the API's main list alone. Pages of
            a list not named here count as fixed calls.
        page_size: the page size every list was read at.
    """
    by_kind = {str(k): int(v) for k, v in stats[api]["requests"].items()}
    kinds = _PAGE_KINDS[api]
    sizes = {next(iter(kinds)): records} if isinstance(records, int) else dict(records)
    unknown = set(sizes) - set(kinds)
    if unknown:
        raise ValueError(f"{api} has no list {', '.join(sorted(unknown))}; it has {list(kinds)}")
    lists = tuple(
        ListPages(name, count, sum(by_kind.get(kind, 0) for kind in kinds[name]), page_size)
        for name, count in sizes.items()
    )
    paged = {kind for name in sizes for kind in kinds[name]}
    fixed = {kind: n for kind, n in by_kind.items() if kind not in paged}
    return RequestCount(api, lists, fixed)
