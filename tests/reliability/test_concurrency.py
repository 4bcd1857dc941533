"""Concurrency: two apply processes on one database never map twice, and the one that waits or
gives up says so clearly."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from tests.reliability.decision_data import (
    approve_all,
    bad_decisions,
    invariant_violations,
    publish_catalogue,
    state,
)
from tests.reliability.workers import ApplyWorkers, job, outcome

CONNECTION = "race"
SIZE = 60


@pytest.fixture(scope="module")
def pending(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with a batch of approvals and refusals waiting for apply."""
    db = tmp_path_factory.mktemp("race") / "template.duckdb"
    catalogue = publish_catalogue(db, CONNECTION, SIZE, first_service=2000)
    other = publish_catalogue(db, "bystander", 2, first_service=8000)
    approve_all(db, catalogue)
    bad_decisions(db, catalogue, foreign_service=other.services[0])
    return db


def _copy(pending: Path, tmp_path: Path) -> Path:
    db = tmp_path / "offermap.duckdb"
    shutil.copyfile(pending, db)
    return db


def _wait_for(path: Path, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert time.monotonic() < deadline, f"{path.name} never appeared"
        time.sleep(0.02)


def _applied(result: dict[str, Any]) -> int:
    return sum(len(result["result"][k]) for k in ("applied", "unchanged", "failed", "unmapped"))


def _check_single_application(db: Path, expected_decisions: int) -> None:
    assert invariant_violations(db) == []
    after = state(db)
    assert len(after["mappings"]) == SIZE
    # Each decision resolved once: one audit row each, never two.
    audited = [row[0] for row in after["audit"]]
    assert len(audited) == len(set(audited)) == expected_decisions


def test_two_applies_started_together_map_each_decision_once(
    apply_worker: ApplyWorkers, pending: Path, tmp_path: Path
) -> None:
    db = _copy(pending, tmp_path)
    expected = len([row for row in state(db)["decisions"] if row[3] == "pending"])
    jobs = [job(f"together-{n}", db, CONNECTION, tmp_path) for n in range(2)]
    pids = [apply_worker.start(line) for line in jobs]
    codes = [apply_worker.wait(pid) for pid in pids]

    assert codes == [0, 0], [outcome(line) for line in jobs]
    results = [outcome(line) for line in jobs]
    assert sorted(_applied(r) for r in results if r) == [0, expected]
    _check_single_application(db, expected)


def test_the_apply_that_waits_for_the_other_says_it_is_waiting(
    apply_worker: ApplyWorkers, pending: Path, tmp_path: Path
) -> None:
    db = _copy(pending, tmp_path)
    expected = len([row for row in state(db)["decisions"] if row[3] == "pending"])
    # The first run holds the database for two seconds once it has it; the second starts then.
    first = job("holder", db, CONNECTION, tmp_path, hold=2.0)
    second = job("waiter", db, CONNECTION, tmp_path)
    first_pid = apply_worker.start(first)
    _wait_for(Path(first["out"] + ".locked"))
    second_pid = apply_worker.start(second)
    assert apply_worker.wait(first_pid) == 0, outcome(first)
    assert apply_worker.wait(second_pid) == 0, outcome(second)

    held, waited = outcome(first), outcome(second)
    assert held is not None and waited is not None
    assert _applied(held) == expected
    assert _applied(waited) == 0
    _check_single_application(db, expected)
    log = Path(second["log"]).read_text()
    assert re.search(r"(in use|locked|busy).*(wait)|(wait).*(in use|lock|busy)", log, re.I), (
        "the apply that waited for the other's lock said nothing about it; its log:\n" + log
    )


def test_the_apply_that_gives_up_waiting_says_why_and_writes_nothing(
    apply_worker: ApplyWorkers, pending: Path, tmp_path: Path
) -> None:
    db = _copy(pending, tmp_path)
    expected = len([row for row in state(db)["decisions"] if row[3] == "pending"])
    first = job("holder", db, CONNECTION, tmp_path, hold=3.0)
    second = job("impatient", db, CONNECTION, tmp_path, lock_timeout=0.5)
    first_pid = apply_worker.start(first)
    _wait_for(Path(first["out"] + ".locked"))
    second_pid = apply_worker.start(second)
    assert apply_worker.wait(second_pid) == 1
    assert apply_worker.wait(first_pid) == 0, outcome(first)

    refused = outcome(second)
    assert refused is not None and refused["error"] == "StoreBusyError"
    message = refused["message"]
    assert str(db) in message
    assert re.search(r"another process", message) and re.search(r"wait", message), message
    held = outcome(first)
    assert held is not None and _applied(held) == expected
    _check_single_application(db, expected)


# --- The writer lock of a connection (tasks.writer_lock): the OS releases it with its holder ----

_HOLDER = """
import sys, time
from tasks.writer_lock import writer_lock
with writer_lock(sys.argv[1], "race", holder="sync-race-20261201-090000"):
    print("locked", flush=True)
    time.sleep(600)
"""


def test_a_writer_lock_dies_with_its_holder_and_a_waiter_is_told_who_holds_it(
    tmp_path: Path,
) -> None:
    import os
    import signal
    import subprocess
    import sys
    import threading

    from tasks.writer_lock import writer_lock

    db = tmp_path / "race.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(db)],
        cwd=Path(__file__).resolve().parents[2],
        stdout=subprocess.PIPE,
        text=True,
    )
    told: list[str] = []
    got_it = threading.Event()

    def wait_for_it() -> None:
        with writer_lock(db, "race", holder="apply-race", on_wait=lambda who, _s: told.append(who)):
            got_it.set()

    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        waiter = threading.Thread(target=wait_for_it, daemon=True)
        waiter.start()
        deadline = time.monotonic() + 30
        while not told and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not got_it.is_set()
        assert told and told[0].startswith(f"sync-race-20261201-090000 (pid {holder.pid} on ")
        os.kill(holder.pid, signal.SIGKILL)
        assert holder.wait() == -9
        # The kernel dropped the dead holder's lock: the waiter has it at once.
        waiter.join(timeout=30)
        assert got_it.is_set()
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
