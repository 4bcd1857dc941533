"""Faults: with 20% of API calls failing, sync still ends with exactly the fault-free snapshot.

Every run gets fresh emulators (knobs and the seeded fault sequence never leak between runs)
and small pages, so that a small tenant takes dozens of requests. Each fault costs exactly
one retry: the requests an emulator saw are the fault-free run's plus one per fault that needs
a retry, which shows that retries stay within their bounds and nothing is fetched twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

from offermap.autotask import AutotaskAuthError, AutotaskTransientError
from offermap.cloudcockpit import CloudCockpitFatalError, CloudCockpitRateLimitedError
from offermap.errors import OffermapError
from offermap.sandbox import SANDBOX_CREDENTIALS, SandboxServer, build_tenant
from offermap.sandbox.limits import FAULT_KINDS
from offermap.store import open_store
from tests.reliability.conftest import Intensity
from tests.reliability.support import clients, published_snapshot, sync_stages

FAULT_RATE = 0.2
AUTOTASK_THREAD_LIMIT = 3
# Injected latency ("slow") stays below the clients' 30 s timeout: it must be waited for,
# not retried. The long variant also makes it exceed a short timeout (see below).
SLOW_SECONDS = 0.3
CONNECTION = "faulty"


@contextmanager
def fresh_sandbox() -> Iterator[SandboxServer]:
    """A new sandbox of the small tenant: its fault generator starts from its seed.

    Its Autotask API user is new too: the client shares limits and pacing (when to read
    ThresholdInformation) per user across the process, and a run must not inherit them.
    """
    user = f"reliability-{uuid.uuid4().hex[:12]}@offermap.invalid"
    credentials = replace(SANDBOX_CREDENTIALS, autotask_username=user)
    with SandboxServer(
        tenant=build_tenant(scale="small", seed=7), port=0, credentials=credentials
    ) as server:
        yield server


def inject(
    server: SandboxServer,
    kinds: tuple[str, ...],
    seed: int,
    *,
    slow_seconds: float = SLOW_SECONDS,
    latency_seconds: float = 0.0,
) -> None:
    """Make 20% of both emulators' answers one of `kinds`, replayably from `seed`."""
    for knobs in (server.autotask.knobs, server.cloudcockpit.knobs):
        knobs.fault_rate = FAULT_RATE
        knobs.fault_kinds = kinds
        knobs.seed = seed
        # One second: short, but a client that ignored Retry-After would still be caught by
        # the emulator answering 429 again only if it retried at once; both honour it.
        knobs.retry_after_seconds = 1
        knobs.slow_seconds = slow_seconds
        knobs.latency_seconds = latency_seconds


@dataclass
class Requests:
    """Requests each emulator answered in a run, and the faults it injected."""

    autotask: int
    cloudcockpit: int
    autotask_faults: dict[str, int] = field(default_factory=dict)
    cloudcockpit_faults: dict[str, int] = field(default_factory=dict)
    peaks: dict[str, int] = field(default_factory=dict)
    thread_rejections: int = 0

    @classmethod
    def of(cls, server: SandboxServer) -> Requests:
        """Read both emulators' counters."""
        at, cc = server.autotask.stats, server.cloudcockpit.stats
        return cls(
            autotask=at.total(),
            cloudcockpit=cc.total(),
            autotask_faults=dict(at.faults),
            cloudcockpit_faults=dict(cc.faults),
            peaks={
                **{f"autotask {k}": v for k, v in at.peak_concurrency.items()},
                **{f"cloudcockpit {k}": v for k, v in cc.peak_concurrency.items()},
            },
            thread_rejections=at.rejections["thread_threshold"],
        )


@dataclass(frozen=True)
class Reference:
    """The fault-free run: its snapshot and how many requests it took."""

    snapshot: dict[str, list[tuple[Any, ...]]]
    requests: Requests


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Reference:
    """Sync once without faults: the snapshot every faulty run must end with."""
    db = tmp_path_factory.mktemp("reference") / "offermap.duckdb"
    with fresh_sandbox() as server:
        autotask, cloudcockpit = clients(server)
        with autotask, cloudcockpit:
            sync_stages(db, CONNECTION, "sync-reference", autotask, cloudcockpit)
        requests = Requests.of(server)
    snapshot = published_snapshot(db, CONNECTION)
    assert snapshot["at_services"] and snapshot["cc_subscriptions"]
    return Reference(snapshot, requests)


def _retried(faults: dict[str, int], *, slow_is_retried: bool) -> int:
    """Faults that need one more request: all of them, except latency the client waits out."""
    return sum(n for kind, n in faults.items() if kind != "slow" or slow_is_retried)


def _faulty_sync(
    db: Path, kinds: tuple[str, ...], seed: int, *, slow_timeout: bool = False
) -> tuple[Requests, str | None]:
    """Sync through fresh emulators injecting `kinds`; the counters and the error, if any."""
    overrides: dict[str, str] = {}
    slow = SLOW_SECONDS
    if slow_timeout:
        # Latency beyond the client's timeout: the request times out and is retried.
        overrides = {"AUTOTASK_TIMEOUT_SECONDS": "1", "CLOUDCOCKPIT_TIMEOUT_SECONDS": "1"}
        slow = 1.5
    with fresh_sandbox() as server:
        inject(server, kinds, seed, slow_seconds=slow)
        autotask, cloudcockpit = clients(server, **overrides)
        error = None
        try:
            with autotask, cloudcockpit:
                sync_stages(db, CONNECTION, f"sync-{seed}", autotask, cloudcockpit)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
        return Requests.of(server), error


def _check_run(
    label: str,
    db: Path,
    requests: Requests,
    error: str | None,
    reference: Reference,
    *,
    slow_is_retried: bool = False,
) -> list[str]:
    """What is wrong with a faulty run (empty: nothing)."""
    if error is not None:
        return [f"{label}: sync failed: {error}"]
    problems = []
    if published_snapshot(db, CONNECTION) != reference.snapshot:
        problems.append(f"{label}: the snapshot differs from the fault-free run's")
    expected_at = reference.requests.autotask + _retried(
        requests.autotask_faults, slow_is_retried=slow_is_retried
    )
    expected_cc = reference.requests.cloudcockpit + _retried(
        requests.cloudcockpit_faults, slow_is_retried=slow_is_retried
    )
    if (requests.autotask, requests.cloudcockpit) != (expected_at, expected_cc):
        problems.append(
            f"{label}: {requests.autotask} Autotask / {requests.cloudcockpit} CloudCockpit "
            f"requests, expected {expected_at} / {expected_cc} (fault-free run plus one retry "
            f"per fault; faults {requests.autotask_faults} / {requests.cloudcockpit_faults})"
        )
    over = {k: v for k, v in requests.peaks.items() if v > AUTOTASK_THREAD_LIMIT}
    if over:
        problems.append(f"{label}: more than 3 concurrent requests on {over}")
    return problems


def test_each_kind_of_fault_at_20_percent_ends_with_the_fault_free_snapshot(
    reference: Reference, tmp_path: Path, intensity: Intensity
) -> None:
    # One run per fault kind and one mixing every kind, all at once on their own emulators:
    # they mostly wait on backoff, so running them side by side costs little.
    plans = [
        (f"{kind} (seed {seed})", (kind,), seed)
        for seed in intensity.fault_seeds
        for kind in FAULT_KINDS
    ] + [(f"every kind (seed {seed})", FAULT_KINDS, seed) for seed in intensity.fault_seeds]
    with ThreadPoolExecutor(max_workers=len(plans)) as pool:
        futures = {
            label: (db, pool.submit(_faulty_sync, db, kinds, seed))
            for label, kinds, seed in plans
            for db in [tmp_path / f"{label.split()[0]}-{seed}.duckdb"]
        }
        outcomes = {label: (db, future.result()) for label, (db, future) in futures.items()}

    problems: list[str] = []
    for label, kinds, _ in plans:
        db, (requests, error) = outcomes[label]
        if len(kinds) == 1:
            # Each single-kind run must really have injected its kind on both APIs.
            kind = kinds[0]
            injected = (
                requests.autotask_faults.get(kind, 0),
                requests.cloudcockpit_faults.get(kind, 0),
            )
            assert all(injected), f"{label}: the seed injected no {kind} fault on one API"
        problems += _check_run(label, db, requests, error, reference)
    assert not problems, "\n".join(problems)


def test_concurrent_syncs_never_send_more_than_three_requests_per_autotask_endpoint(
    reference: Reference, tmp_path: Path
) -> None:
    # Four connections of one Autotask database sync at once while a fifth of the calls fail:
    # the retries must not push any endpoint past Autotask's three concurrent requests.
    kinds = ("server_error", "rate_limited", "dropped", "slow")
    with fresh_sandbox() as server:
        # Latency keeps requests in flight long enough to overlap.
        inject(server, kinds, seed=21, latency_seconds=0.05)
        runs = []
        for n in range(4):
            autotask, cloudcockpit = clients(server)
            runs.append((f"c{n}", tmp_path / f"c{n}.duckdb", autotask, cloudcockpit))
        with ThreadPoolExecutor(max_workers=len(runs)) as pool:
            futures = [
                pool.submit(sync_stages, db, conn, f"sync-{conn}", autotask, cloudcockpit)
                for conn, db, autotask, cloudcockpit in runs
            ]
            errors = [future.exception() for future in futures]
        for _, _, autotask, cloudcockpit in runs:
            autotask.close()
            cloudcockpit.close()
        stats = server.autotask.stats

    assert errors == [None] * len(runs)
    assert stats.peak_concurrency["Services"] >= 2, "the syncs never overlapped"
    assert max(stats.peak_concurrency.values()) <= AUTOTASK_THREAD_LIMIT, stats.peak_concurrency
    assert stats.rejections["thread_threshold"] == 0
    for conn, db, _, _ in runs:
        assert published_snapshot(db, conn) == _renamed(reference.snapshot, conn)


def _renamed(snapshot: dict[str, list[tuple[Any, ...]]], conn: str) -> dict[str, Any]:
    # Snapshot rows start with the connection id; the reference was taken under another one.
    return {table: [(conn, *row[1:]) for row in rows] for table, rows in snapshot.items()}


@pytest.mark.flow
def test_the_sync_flow_with_every_kind_of_fault_publishes_the_fault_free_snapshot(
    prefect_harness: None,
    reference: Reference,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from flows.sync import sync

    db = tmp_path / "offermap.duckdb"
    with fresh_sandbox() as server:
        for name, value in server.env().items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("CLOUDCOCKPIT_PAGE_SIZE", "10")
        inject(server, FAULT_KINDS, seed=31)
        state = sync(connection_id=CONNECTION, db_path=str(db), return_state=True)
        requests = Requests.of(server)

    assert sum(requests.autotask_faults.values()) + sum(requests.cloudcockpit_faults.values())
    assert state.is_completed(), state.message
    summary = state.result()
    # What the flow reports matches what the emulators saw: every retry is accounted for.
    assert summary["extract"]["autotask"]["requests"] == requests.autotask
    assert summary["extract"]["cloudcockpit"]["requests"] == requests.cloudcockpit - 1  # token
    assert published_snapshot(db, CONNECTION) == reference.snapshot
    assert max(requests.peaks.values()) <= AUTOTASK_THREAD_LIMIT


@pytest.mark.slow
def test_latency_beyond_the_timeout_is_retried_and_ends_with_the_fault_free_snapshot(
    reference: Reference, tmp_path: Path, intensity: Intensity
) -> None:
    # Here "slow" answers outlast a one-second client timeout, so they are retried too. On a
    # badly overloaded machine a normal answer could also time out and cost one more request.
    dbs = {seed: tmp_path / f"timeout-{seed}.duckdb" for seed in intensity.fault_seeds}
    with ThreadPoolExecutor(max_workers=len(dbs)) as pool:
        futures = {
            seed: pool.submit(_faulty_sync, db, FAULT_KINDS, seed, slow_timeout=True)
            for seed, db in dbs.items()
        }
        outcomes = {seed: future.result() for seed, future in futures.items()}
    problems: list[str] = []
    for seed, (requests, error) in outcomes.items():
        problems += _check_run(
            f"every kind, slow beyond the timeout (seed {seed})",
            dbs[seed],
            requests,
            error,
            reference,
            slow_is_retried=True,
        )
    assert not problems, "\n".join(problems)


# The lies the adversarial pass caught (issue 14), and a death: each once published a partial
# or empty snapshot over a good one, or must fail without one. Knob, what the error must say.
LIES: dict[str, tuple[Callable[[SandboxServer], None], str]] = {
    "Autotask drops nextPageUrl on page 1": (
        lambda s: setattr(s.autotask.knobs, "drop_next_page_on", 1),
        "held 10 services but query/count says",
    ),
    "Autotask answers empty pages against its count": (
        lambda s: setattr(s.autotask.knobs, "empty_query_pages", True),
        "held 0 services but query/count says",
    ),
    "CloudCockpit answers an empty list without a total": (
        lambda s: setattr(s.cloudcockpit.knobs, "empty_without_total", True),
        "without a total count",
    ),
    "the Autotask emulator dies mid-sync": (
        lambda s: setattr(s.autotask.knobs, "die_after_requests", 6),
        "gave up after 2 attempts",
    ),
}


def _extract_errors(db: Path, run_id: str) -> dict[str, tuple[str, str | None]]:
    with open_store(db, read_only=True) as con:
        rows = con.execute(
            "SELECT source, status, error FROM extract_runs WHERE run_id = ?", [run_id]
        ).fetchall()
    return {source: (status, error) for source, status, error in rows}


@pytest.mark.parametrize("lie", list(LIES))
def test_an_api_that_lies_or_dies_fails_the_sync_and_keeps_the_last_good_snapshot(
    reference: Reference, tmp_path: Path, lie: str
) -> None:
    inject_lie, expected = LIES[lie]
    db = tmp_path / "offermap.duckdb"
    with fresh_sandbox() as server:
        autotask, cloudcockpit = clients(server)
        with autotask, cloudcockpit:
            sync_stages(db, CONNECTION, "sync-good", autotask, cloudcockpit)
    good = published_snapshot(db, CONNECTION)
    assert good == reference.snapshot

    with fresh_sandbox() as server:
        inject_lie(server)
        # One retry is enough to show a dead server is retried, then given up on.
        autotask, cloudcockpit = clients(
            server, AUTOTASK_MAX_RETRIES="1", CLOUDCOCKPIT_MAX_RETRIES="1"
        )
        with autotask, cloudcockpit, pytest.raises(OffermapError) as caught:
            sync_stages(db, CONNECTION, "sync-lie", autotask, cloudcockpit)

    text = str(caught.value)
    assert expected in text and "\n" not in text, text
    assert published_snapshot(db, CONNECTION) == good
    statuses = _extract_errors(db, "sync-lie")
    failed = [error for status, error in statuses.values() if status == "failed"]
    assert any(error is not None and expected in error for error in failed), statuses
    assert all(status != "published" for status, _ in statuses.values()), statuses


def test_extraction_tasks_are_retried_by_prefect_for_transient_errors_only() -> None:
    from prefect.states import Failed

    from tasks.sync import _transient_only

    def retried(exc: BaseException) -> bool:
        return _transient_only(None, None, Failed(data=exc))  # type: ignore[arg-type]

    assert retried(AutotaskTransientError("Autotask Services POST /query timed out"))
    assert retried(CloudCockpitRateLimitedError("429", retry_after=3.0))
    assert not retried(AutotaskAuthError("Autotask rejected API user"))
    assert not retried(CloudCockpitFatalError("page 1 answered 0 records without a total"))
    assert not retried(ValueError("a bug"))
