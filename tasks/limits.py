"""Limits between runs: one writer per connection, a request rate per Autotask database.

DuckDB lets one process write a file at a time, and each connection has its own file, so two
flow runs of one connection (an hourly sync and a 15-minute apply) take turns on the
connection's writer lock (`tasks.writer_lock`, an operating-system lock that dies with its
holder). Autotask allows 10,000 requests an hour per database, shared by every integration and
every connection (currency) of that database, so offermap's extractions of one database share
one Prefect global concurrency limit whose slots decay at the hourly budget.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
from prefect.concurrency.sync import rate_limit
from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound
from prefect.logging import get_run_logger
from prefect.runtime import flow_run

from tasks.progress import notify, tell
from tasks.writer_lock import lock_path, writer_lock

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
# Requests one extraction may send at once before the decay paces it: a few pages' worth.
RATE_LIMIT_BURST = 20
SECONDS_PER_HOUR = 3600.0


def _checked(slug: str, what: str) -> str:
    if not _SLUG.match(slug):
        raise ValueError(f"{what} {slug!r} must be lowercase letters, digits and dashes")
    return slug


def autotask_rate_limit_name(database: str) -> str:
    """The global concurrency limit (with slot decay) pacing requests to one Autotask database."""
    return f"offermap-autotask-{_checked(database, 'Autotask database name')}"


def ensure_limit(name: str, limit: int, slot_decay_per_second: float = 0.0) -> bool:
    """Create the global concurrency limit unless it exists; True when this call created it.

    An existing limit is left as it is, so an operator's change in the UI is kept.
    """
    with get_client(sync_client=True) as client:
        try:
            client.read_global_concurrency_limit_by_name(name)
            return False
        except ObjectNotFound:
            pass
        try:
            client.create_global_concurrency_limit(
                GlobalConcurrencyLimitCreate(
                    name=name, limit=limit, slot_decay_per_second=slot_decay_per_second
                )
            )
        except ObjectAlreadyExists:  # another run created it between our read and create
            return False
        return True


@contextmanager
def writer_slot(connection_id: str, db_path: str) -> Iterator[None]:
    """Hold the connection's writer lock for the block; while another run has it, say so and wait.

    The waiting is logged in the run's log and passed to progress listeners (the command
    line shows it), with who holds the lock and since when.
    """
    _checked(connection_id, "connection id")
    logger = get_run_logger()
    run = flow_run.get_name() or "this run"

    told: list[str] = []

    def waiting(holder: str, seconds: float) -> None:
        what = f"Waiting for connection {connection_id}: {holder} is writing to it"
        if not told:
            line = f"{what}; this run goes on when that run ends (or dies)"
            logger.warning("%s. Lock file: %s", line, lock_path(db_path, connection_id))
        else:
            line = f"{what} (it went first)" if what != told[-1] else f"{what}; still waiting"
            logger.warning("%s (%d s so far)", line, seconds)
        told.append(what)
        notify(told[0], 0, None)
        tell(line)

    with writer_lock(db_path, connection_id, holder=run, on_wait=waiting):
        if told:
            logger.info("Connection %s is free: this run goes on", connection_id)
            notify(told[0], 1, 1)
        yield


def autotask_pacer(database: str, hourly_budget: int) -> Callable[[], None]:
    """A callable that takes one slot of the database's rate limit per Autotask page request.

    The limit is created on first use with `hourly_budget` requests an hour (its slots decay
    at budget / 3600 per second); the Autotask client also paces itself within the process.
    """
    name = autotask_rate_limit_name(database)
    ensure_limit(name, RATE_LIMIT_BURST, hourly_budget / SECONDS_PER_HOUR)

    def take() -> None:
        rate_limit(name, occupy=1, strict=True)

    return take
