"""Benchmark: read every Service of a large tenant from the Autotask emulator over loopback.

For a 20,000-service tenant at 50 ms latency per request it reports, for the client's
sequential read (what `sync` does) and for an experimental read of three id ranges at once:
requests made against the minimum (one page per 500 records plus the fixed calls: zone lookup,
ThresholdInformation, the periodType picklist and the count), wall time, records per second,
and the peak number of concurrent Services requests the emulator saw (Autotask allows 3).
"""

from __future__ import annotations

import math
import random
import socket
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import islice
from typing import Any

from pydantic import SecretStr

from offermap.autotask import AutotaskClient, F, Service, clear_shared_limits, clear_zone_cache
from offermap.bench.report import BenchReport
from offermap.sandbox import SandboxServer, build_tenant
from offermap.settings import AutotaskSettings

PAGE = 500
# Zone lookup, ThresholdInformation (read before the first request), picklist, count.
FIXED_CALLS = 4
RANGES = 3


@dataclass(frozen=True)
class Scenario:
    """How big the tenant is and how slow the emulator answers."""

    services: int
    latency_seconds: float


FULL = Scenario(services=20_000, latency_seconds=0.05)
QUICK = Scenario(services=2_000, latency_seconds=0.005)


def synthetic_services(count: int, seed: int = 20_000) -> list[dict[str, Any]]:
    """`count` realistic Service records: the small sandbox tenant's, repeated with new ids."""
    templates = build_tenant("small", seed=7).autotask_services
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    next_id = 29_683_000
    for i in range(count):
        next_id += rng.randint(1, 4)  # real ids have gaps
        template = templates[i % len(templates)]
        out.append(dict(template, id=next_id, name=f"{template['name']} #{i // len(templates)}"))
    return out


def disable_nagle(server: SandboxServer) -> None:
    """Make the emulator's replies leave at once instead of after the client's delayed ACK.

    server.py binds its socket with protocol 0, so asyncio does not set TCP_NODELAY on the
    connections; each reply (headers and body written separately) then waits ~40 ms for the
    client's delayed ACK, which would drown the latency being measured. Accepted sockets
    inherit the listener's TCP_NODELAY on Linux. A no-op once server.py sets it itself.
    """
    listener = getattr(server, "_socket", None)
    if isinstance(listener, socket.socket):
        listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def minimum_requests(services: int) -> int:
    """The fewest requests a complete read can take: the fixed calls and one per page."""
    return FIXED_CALLS + max(1, math.ceil(services / PAGE))


def _settings(server: SandboxServer) -> AutotaskSettings:
    env = server.env()
    # Every value is explicit, so no environment variable or .env file changes the figures.
    return AutotaskSettings(
        username=env["AUTOTASK_USERNAME"],
        secret=SecretStr(env["AUTOTASK_SECRET"]),
        integration_code=SecretStr(env["AUTOTASK_INTEGRATION_CODE"]),
        api_url=None,  # look the zone up, as a first sync does
        zone_lookup_url=env["AUTOTASK_ZONE_LOOKUP_URL"],
        timeout_seconds=30.0,
        max_concurrency=3,
        max_retries=6,
        retry_budget_seconds=300.0,
        hourly_request_budget=5000,
    )


def read_sequentially(client: AutotaskClient) -> list[int]:
    """What `sync` does: the picklist, then every Service page by page after a count."""
    client.picklist_labels("Services", "periodType")
    return [service.id for service in client.iter_services()]


def _typed(rows: Iterable[dict[str, Any]]) -> list[int]:
    # Validate like iter_services does, so both reads pay for the same parsing.
    return [Service.model_validate(row).id for row in rows]


def read_id_ranges(client: AutotaskClient, parts: int = RANGES) -> list[int]:
    """Read the first page, then the rest as `parts` id ranges at once (experimental).

    The ranges split the remaining ids as if they were as dense as on the first page; a
    wrong guess unbalances the ranges but loses nothing. Each range's last page may be
    partial, so this costs at most `parts - 1` requests more than the sequential read.
    """
    client.picklist_labels("Services", "periodType")
    total = client.count("Services")
    first = list(islice(client.query("Services"), PAGE))
    ids = _typed(first)
    if len(ids) < PAGE or total <= PAGE:
        return ids
    low, high = ids[0], ids[-1]
    density = PAGE / (high - low + 1)
    span = max(1, math.ceil((total - PAGE) / density / parts))
    bounds = [high + span * j for j in range(parts)]

    def read(j: int) -> list[int]:
        lower = F.gt("id", bounds[j])
        range_filter = lower if j == parts - 1 else F.and_(lower, F.lte("id", bounds[j + 1]))
        return _typed(client.query("Services", range_filter))

    with ThreadPoolExecutor(max_workers=parts, thread_name_prefix="autotask-range") as pool:
        for part in pool.map(read, range(parts)):
            ids.extend(part)
    return ids


def measure(
    server: SandboxServer, label: str, read: Callable[[AutotaskClient], list[int]]
) -> dict[str, Any]:
    """Run one read against a fresh client and fresh emulator counters; return its row."""
    clear_zone_cache()
    clear_shared_limits()
    server.autotask.stats.reset()
    expected = {int(s["id"]) for s in server.autotask.entities["services"].records()}
    with AutotaskClient(_settings(server)) as client:
        started = time.perf_counter()
        ids = read(client)
        wall = time.perf_counter() - started
        made = client.requests_made
    stats = server.autotask.stats
    minimum = minimum_requests(len(expected))
    return {
        "read": label,
        "records": len(ids),
        "complete": len(ids) == len(set(ids)) and set(ids) == expected,
        "requests": made,
        "emulator_requests": stats.total(),
        "minimum": minimum,
        "extra": made - minimum,
        "wall_s": round(wall, 2),
        "records_per_s": round(len(ids) / wall) if wall > 0 else None,
        "peak_concurrent": stats.peak_concurrency.get("Services", 0),
        "thread_refusals": stats.rejections["thread_threshold"],
    }


def run(*, quick: bool = False) -> BenchReport:
    """Serve a synthetic tenant from the emulator and read it both ways; report the figures."""
    scenario = QUICK if quick else FULL
    with SandboxServer() as server:
        disable_nagle(server)
        server.autotask.load("Services", synthetic_services(scenario.services))
        server.autotask.knobs.latency_seconds = scenario.latency_seconds
        rows = [
            measure(server, "sequential (sync)", read_sequentially),
            measure(server, f"{RANGES} id ranges at once", read_id_ranges),
        ]
    sequential, ranged = rows
    report = BenchReport(
        name="autotask",
        title=(
            f"Autotask: {scenario.services:,} services, "
            f"{scenario.latency_seconds * 1000:.0f} ms per request"
        ),
        rows=rows,
        figures={
            "services": scenario.services,
            "latency_seconds": scenario.latency_seconds,
            "minimum_requests": minimum_requests(scenario.services),
            "sequential": sequential,
            "id_ranges": ranged,
            "speed_up": round(sequential["wall_s"] / ranged["wall_s"], 2)
            if ranged["wall_s"]
            else None,
        },
        notes=[
            "minimum = zone lookup + ThresholdInformation + picklist + count + one page per 500",
            "client and emulator share this process (and its GIL): JSON and validation work of "
            "both sides does not overlap, so the range read's gain is understated here",
        ],
    )
    if quick:
        report.notes.append("quick run: a smoke test of the benchmark; its figures mean little")
    return report
