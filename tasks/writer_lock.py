"""One writer per connection: a lock file next to the DuckDB file, released when its holder dies.

A sync and an apply of one connection must not interleave their writes. The lock is an
operating-system lock (`flock`) on `<db file>.<connection>.writer.lock`, so it holds between
any processes on the host (two workers, a worker and the command line) and the kernel drops
it when the process holding it ends, however it ends: a `kill -9` cannot leave a connection
locked. (Prefect's global concurrency limits were tried first; a killed run's slot stayed taken
until its lease expired, and a temporary Prefect server never expires leases at all.)

The holder writes who it is into the file, so that a run that has to wait can say for whom.
Plain Python: no Prefect here, so it is usable and testable on its own.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

# How often a waiting run tries the lock again; a lock is held for seconds to minutes.
_POLL_SECONDS = 0.25


def lock_path(db_path: str | Path, connection_id: str) -> Path:
    """The lock file of one connection's writer: next to its DuckDB file."""
    db = Path(db_path)
    return db.with_name(f"{db.name}.{connection_id}.writer.lock")


def describe_holder(info: dict[str, Any]) -> str:
    """Who holds the lock, for a person: the run, its process and since when."""
    if not info:
        return "another run"
    run = info.get("run") or "a run"
    where = f"pid {info.get('pid', '?')} on {info.get('host', '?')}"
    since = info.get("since", "")
    return f"{run} ({where}, since {since})" if since else f"{run} ({where})"


def read_holder(path: Path) -> dict[str, Any]:
    """What the current holder wrote about itself; empty when unknown or half-written."""
    try:
        text = path.read_text(encoding="utf-8")
        info = json.loads(text) if text.strip() else {}
    except (OSError, ValueError):
        return {}
    return info if isinstance(info, dict) else {}


def _try_lock(handle: IO[str]) -> bool:
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


@contextmanager
def writer_lock(
    db_path: str | Path,
    connection_id: str,
    *,
    holder: str,
    on_wait: Callable[[str, float], None] | None = None,
    wait_report_seconds: float = 60.0,
) -> Iterator[Path]:
    """Hold the connection's writer lock for the block, waiting for as long as another has it.

    Args:
        holder: who we are, e.g. the flow run's name; written into the lock file.
        on_wait: called with (who holds it, seconds waited so far) when we start waiting,
            when another run takes the lock before us, and every `wait_report_seconds`, so
            that a waiting run says what it waits for.

    Yields:
        The lock file's path.
    """
    path = lock_path(db_path, connection_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    # "a" creates the file without truncating what the current holder wrote.
    with path.open("a+", encoding="utf-8") as handle:
        started = time.monotonic()
        next_report = started
        told = ""
        while not _try_lock(handle):
            now = time.monotonic()
            info = read_holder(path)
            holder_now = describe_holder(info)
            # Said when the wait starts, when another run takes the lock first (an empty file is
            # a holder between two writes, not a new one), and now and then.
            changed = bool(told) and bool(info) and holder_now != told
            if on_wait is not None and (now >= next_report or changed):
                on_wait(holder_now, now - started)
                told = holder_now
                next_report = now + wait_report_seconds
            time.sleep(_POLL_SECONDS)
        try:
            handle.seek(0)
            handle.truncate()
            since = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
            info = {"run": holder, "pid": os.getpid(), "host": socket.gethostname(), "since": since}
            handle.write(json.dumps(info))
            handle.flush()
            yield path
        finally:
            # Who held it is no longer true once we let go; the file itself stays, so that
            # every process always locks the same file.
            handle.seek(0)
            handle.truncate()
            handle.flush()
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
