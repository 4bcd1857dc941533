"""Reliability suites: a `--run-slow` switch, and how hard each suite pushes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.reliability.workers import ApplyWorkers, apply_workers

_HERE = Path(__file__).parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without --run-slow, the slow tests of this directory are deselected (not skipped)."""
    if config.getoption("--run-slow"):
        return
    slow = [
        item
        for item in items
        if item.get_closest_marker("slow") is not None and _HERE in Path(item.path).parents
    ]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if item not in slow]


@dataclass(frozen=True)
class Intensity:
    """How many rounds each suite runs: a bounded default, more with --run-slow."""

    long: bool
    fault_seeds: tuple[int, ...]
    hypothesis_examples: int
    crash_kills: int
    isolation_examples: int


@pytest.fixture(scope="session")
def intensity(request: pytest.FixtureRequest) -> Intensity:
    """The rounds of this session: the short version in `make test`, longer with --run-slow."""
    if request.config.getoption("--run-slow"):
        return Intensity(
            long=True,
            fault_seeds=(11, 12, 13, 14, 15, 16, 17, 18),
            hypothesis_examples=120,
            crash_kills=80,
            isolation_examples=60,
        )
    return Intensity(
        long=False,
        fault_seeds=(11,),
        hypothesis_examples=8,
        crash_kills=10,
        isolation_examples=5,
    )


@pytest.fixture(scope="session")
def apply_worker() -> Iterator[ApplyWorkers]:
    """One warmed-up apply worker for the crash and concurrency suites.

    Warming up imports Great Expectations and DuckDB (seconds of a core); `make test` keeps
    its tests on one xdist worker (tests/conftest.py) so that it is warmed once.
    """
    with apply_workers() as running:
        yield running
