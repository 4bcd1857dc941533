"""Crashes: apply killed with SIGKILL at random points, many times, never leaves half a decision.

After every kill the rules and constraints hold and the database shows either none or all of
the batch (one transaction); a run afterwards converges to what an uninterrupted run leaves.
Kills land either inside a chosen store call of apply (before or after it) or after a random
delay within an uninterrupted run's duration.
"""

from __future__ import annotations

import random
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.reliability.conftest import Intensity
from tests.reliability.decision_data import (
    approve_all,
    bad_decisions,
    decide,
    invariant_violations,
    publish_catalogue,
    state,
)
from tests.reliability.workers import ApplyWorkers, apply_workers, job, outcome

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


@pytest.fixture(scope="module")
def workers() -> Iterator[ApplyWorkers]:
    """One warmed-up apply worker for the module."""
    with apply_workers() as running:
        yield running


def _run(workers: ApplyWorkers, db: Path, work: Path, tag: str, **extra: Any) -> int:
    pid = workers.start(job(tag, db, CONNECTION, work, **extra))
    return workers.wait(pid)


@pytest.fixture(scope="module")
def batch(workers: ApplyWorkers, tmp_path_factory: pytest.TempPathFactory) -> Batch:
    """Approvals, repeats, refusals and unmaps pending together, as after a busy review."""
    work = tmp_path_factory.mktemp("crash")
    template = work / "template.duckdb"
    catalogue = publish_catalogue(template, CONNECTION, SIZE, first_service=1000)
    other = publish_catalogue(template, "other", 3, first_service=9000)
    for variant, service_id in list(zip(catalogue.variants, catalogue.services, strict=True))[:10]:
        decide(template, CONNECTION, variant, service_id)
    assert _run(workers, template, work, "first") == 0
    approve_all(template, catalogue)  # the first ten again: unchanged
    bad_decisions(template, catalogue, foreign_service=other.services[0])
    for variant in (catalogue.variants[1], catalogue.variants[3]):
        decide(template, CONNECTION, variant, None, kind="unmap")

    reference = work / "reference.duckdb"
    shutil.copyfile(template, reference)
    started = time.monotonic()
    assert _run(workers, reference, work, "reference") == 0
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


def _die(workers: ApplyWorkers, db: Path, work: Path, tag: str, kill: Kill) -> int:
    pid = workers.start(job(tag, db, CONNECTION, work, **kill.job_extra()))
    if kill.stage is None:
        time.sleep(kill.delay)
        workers.kill(pid)
    return workers.wait(pid)


def test_apply_killed_at_random_points_never_half_applies_and_a_rerun_converges(
    workers: ApplyWorkers, batch: Batch, tmp_path: Path, intensity: Intensity
) -> None:
    assert batch.before != batch.after
    rng = random.Random(20261124 if not intensity.long else None)
    rounds = _plans(rng, workers.stages, batch.seconds, intensity.crash_kills)
    killed = 0
    outcomes = {"none of the batch": 0, "all of the batch": 0}
    for n, kills in enumerate(rounds):
        db = tmp_path / f"round-{n}.duckdb"
        shutil.copyfile(batch.template, db)
        for k, kill in enumerate(kills):
            code = _die(workers, db, tmp_path, f"round-{n}-kill-{k}", kill)
            assert code in (0, KILLED), f"round {n}, {kill}: the run failed with exit code {code}"
            killed += code == KILLED
            where = f"round {n}, after {kills[: k + 1]}"
            assert invariant_violations(db) == [], where
            # One transaction: a killed run leaves all of the batch or none of it.
            left = state(db)
            assert left in (batch.before, batch.after), f"{where}: a half-applied batch"
            outcomes["none of the batch" if left == batch.before else "all of the batch"] += 1
        code = _run(workers, db, tmp_path, f"round-{n}-rerun")
        assert code == 0, outcome(job(f"round-{n}-rerun", db, CONNECTION, tmp_path))
        assert state(db) == batch.after, f"round {n}: the re-run after {kills} did not converge"
    print(f"{killed} apply runs killed in {len(rounds)} rounds; after a kill: {outcomes}")
    # Most kills must really have interrupted a run, or the suite proves little.
    assert killed >= len(rounds) // 2, f"only {killed} of the runs were really killed"
    assert outcomes["none of the batch"] > 0, "no kill landed before the commit"
