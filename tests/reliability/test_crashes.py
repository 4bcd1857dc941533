"""Crashes: apply killed with SIGKILL at random points, many times, never leaves half a decision.

After every kill the rules and constraints hold and the database shows either none or all of
the batch (one transaction); a run afterwards converges to what an uninterrupted run leaves.
Kills land either inside a chosen store call of apply (before or after it) or after a random
delay within an uninterrupted run's duration.
"""

from __future__ import annotations

import fcntl
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.prefect_template import PrefectTemplate
from tests.reliability.conftest import Intensity
from tests.reliability.decision_data import (
    approve_all,
    bad_decisions,
    decide,
    invariant_violations,
    publish_catalogue,
    state,
)
from tests.reliability.workers import ApplyWorkers, job, outcome

CONNECTION = "crash"
SIZE = 150
KILLED = -9


@dataclass(frozen=True)
class Batch:
    """A database with a pending batch, and the states before and after applying it."""

    template: Path
    before: dict[str, list[tuple[Any, ...]]]
    after: dict[str, list[tuple[Any, ...]]]
    seconds: float  # how long an uninterrupted apply of the batch took


def _run(apply_worker: ApplyWorkers, db: Path, work: Path, tag: str, **extra: Any) -> int:
    pid = apply_worker.start(job(tag, db, CONNECTION, work, **extra))
    return apply_worker.wait(pid)


@pytest.fixture(scope="module")
def batch(apply_worker: ApplyWorkers, tmp_path_factory: pytest.TempPathFactory) -> Batch:
    """Approvals, repeats, refusals and unmaps pending together, as after a busy review."""
    work = tmp_path_factory.mktemp("crash")
    template = work / "template.duckdb"
    catalogue = publish_catalogue(template, CONNECTION, SIZE, first_service=1000)
    other = publish_catalogue(template, "other", 3, first_service=9000)
    for variant, service_id in list(zip(catalogue.variants, catalogue.services, strict=True))[:10]:
        decide(template, CONNECTION, variant, service_id)
    assert _run(apply_worker, template, work, "first") == 0
    approve_all(template, catalogue)  # the first ten again: unchanged
    bad_decisions(template, catalogue, foreign_service=other.services[0])
    for variant in (catalogue.variants[1], catalogue.variants[3]):
        decide(template, CONNECTION, variant, None, kind="unmap")

    reference = work / "reference.duckdb"
    shutil.copyfile(template, reference)
    started = time.monotonic()
    assert _run(apply_worker, reference, work, "reference") == 0
    seconds = time.monotonic() - started
    after = state(reference)
    assert invariant_violations(reference) == []
    assert len(after["mappings"]) == SIZE - 2
    return Batch(template, state(template), after, seconds)


@dataclass(frozen=True)
class Kill:
    """Where one run dies: in a store call of apply, or after a delay."""

    stage: str | None = None
    when: str = "after"
    delay: float = 0.0

    def job_extra(self) -> dict[str, Any]:
        """The worker's instructions for this kill."""
        if self.stage is None:
            return {}
        return {"kill": {"stage": self.stage, "when": self.when, "call": 1}}


def _plans(rng: random.Random, stages: list[str], seconds: float, count: int) -> list[list[Kill]]:
    """`count` rounds of one to three kills in a row, half in store calls, half timed."""
    rounds = []
    for _ in range(count):
        kills = []
        for _ in range(rng.choice([1, 1, 2, 3])):
            if rng.random() < 0.5:
                kills.append(Kill(rng.choice(stages), rng.choice(["before", "after"])))
            else:
                kills.append(Kill(delay=rng.uniform(0.0, seconds * 1.2)))
        rounds.append(kills)
    return rounds


def _die(apply_worker: ApplyWorkers, db: Path, work: Path, tag: str, kill: Kill) -> int:
    pid = apply_worker.start(job(tag, db, CONNECTION, work, **kill.job_extra()))
    if kill.stage is None:
        time.sleep(kill.delay)
        apply_worker.kill(pid)
    return apply_worker.wait(pid)


def test_apply_killed_at_random_points_never_half_applies_and_a_rerun_converges(
    apply_worker: ApplyWorkers, batch: Batch, tmp_path: Path, intensity: Intensity
) -> None:
    assert batch.before != batch.after
    rng = random.Random(20261124 if not intensity.long else None)
    rounds = _plans(rng, apply_worker.stages, batch.seconds, intensity.crash_kills)
    killed = 0
    outcomes = {"none of the batch": 0, "all of the batch": 0}
    for n, kills in enumerate(rounds):
        db = tmp_path / f"round-{n}.duckdb"
        shutil.copyfile(batch.template, db)
        for k, kill in enumerate(kills):
            code = _die(apply_worker, db, tmp_path, f"round-{n}-kill-{k}", kill)
            assert code in (0, KILLED), f"round {n}, {kill}: the run failed with exit code {code}"
            killed += code == KILLED
            where = f"round {n}, after {kills[: k + 1]}"
            assert invariant_violations(db) == [], where
            # One transaction: a killed run leaves all of the batch or none of it.
            left = state(db)
            assert left in (batch.before, batch.after), f"{where}: a half-applied batch"
            outcomes["none of the batch" if left == batch.before else "all of the batch"] += 1
        code = _run(apply_worker, db, tmp_path, f"round-{n}-rerun")
        assert code == 0, outcome(job(f"round-{n}-rerun", db, CONNECTION, tmp_path))
        assert state(db) == batch.after, f"round {n}: the re-run after {kills} did not converge"
    print(f"{killed} apply runs killed in {len(rounds)} rounds; after a kill: {outcomes}")
    # Most kills must really have interrupted a run, or the suite proves little.
    assert killed >= len(rounds) // 2, f"only {killed} of the runs were really killed"
    assert outcomes["none of the batch"] > 0, "no kill landed before the commit"


# --- A killed `offermap apply`: its connection must not stay locked, its server must go ---------

KILLED_CONNECTION = "killed"
# Generous bounds for a loaded 2-core machine: they only keep a hang from hanging the suite.
_CLI_START_SECONDS = 240.0
_SERVER_EXIT_SECONDS = 30.0


def _cli_env(tmp_path: Path, template: PrefectTemplate) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    # No Prefect server configured, so the command runs its own temporary one, in a home of
    # its own whose database an earlier command migrated (the demo test starts from nothing).
    home = tmp_path / "state" / "prefect"
    template.seed(home / "prefect.db")
    env["PREFECT_HOME"] = str(home)
    env["PREFECT_LOGGING_LEVEL"] = "INFO"
    env["COLUMNS"] = "200"
    return env


def _start_apply(db: Path, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            [
                *(sys.executable, "-m", "offermap", "apply"),
                *("--db", str(db), "--connection", KILLED_CONNECTION),
            ],
            env=env,
            cwd=log.parent,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _wait_for_text(process: subprocess.Popen[bytes], log: Path, pattern: str) -> None:
    deadline = time.monotonic() + _CLI_START_SECONDS
    while not re.search(pattern, log.read_text(errors="replace")):
        assert process.poll() is None, f"apply ended early:\n{log.read_text(errors='replace')}"
        assert time.monotonic() < deadline, f"no {pattern!r} in:\n{log.read_text()}"
        time.sleep(0.2)


def _children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _stop_group(process: subprocess.Popen[bytes]) -> None:
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def test_a_killed_apply_neither_locks_its_connection_nor_leaves_its_server_running(
    tmp_path: Path, prefect_template: PrefectTemplate
) -> None:
    import duckdb

    from tasks.writer_lock import lock_path, writer_lock

    db = tmp_path / "offermap.duckdb"
    log = tmp_path / "apply.log"
    # The test holds the DuckDB file throughout, so that the apply, once it has its
    # connection's writer lock, waits for the file: that is where it is killed.
    holding = duckdb.connect(str(db))
    apply: subprocess.Popen[bytes] | None = None
    try:
        with writer_lock(db, KILLED_CONNECTION, holder="the test's maintenance"):
            apply = _start_apply(db, _cli_env(tmp_path, prefect_template), log)
            # A run that finds its connection taken says by whom, on the command line too.
            _wait_for_text(
                apply,
                log,
                rf"Waiting for connection {KILLED_CONNECTION}: the test's maintenance \(pid "
                rf"{os.getpid()} ",
            )
        _wait_for_text(apply, log, r"in use by another process")
        servers = _children(apply.pid)
        assert servers, "the apply started no temporary Prefect server"
        os.kill(apply.pid, signal.SIGKILL)
        assert apply.wait() == KILLED
    finally:
        holding.close()
        if apply is not None and apply.poll() is None:
            _stop_group(apply)

    # The kernel released the killed run's lock at once: the connection is free.
    with lock_path(db, KILLED_CONNECTION).open("a") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pytest.fail("the killed apply's connection is still locked")
    # Its temporary server went with it, not ~200 MB left running for good.
    deadline = time.monotonic() + _SERVER_EXIT_SECONDS
    while any(_alive(pid) for pid in servers) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = [pid for pid in servers if _alive(pid)]
    for pid in left:
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    assert not left, f"the killed apply left its temporary server running (pids {left})"
