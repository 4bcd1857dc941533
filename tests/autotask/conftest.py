"""Fixtures for the Autotask client tests: settings, a fake tenant behind respx, no real sleeps."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import respx

from offermap.autotask import AutotaskClient, PacingPolicy, clear_shared_limits, clear_zone_cache
from offermap.settings import AutotaskSettings

from .fake_server import CODE, LOOKUP_ROOT, SECRET, USERNAME, FakeAutotask


def make_settings(**overrides: Any) -> AutotaskSettings:
    """Settings with every field given, so no environment or .env file leaks in."""
    values: dict[str, Any] = {
        "username": USERNAME,
        "secret": SECRET,
        "integration_code": CODE,
        "api_url": None,
        "zone_lookup_url": LOOKUP_ROOT,
        "timeout_seconds": 5.0,
        "max_concurrency": 3,
        "max_retries": 6,
        "retry_budget_seconds": 300.0,
        "hourly_request_budget": 5000,
    }
    values.update(overrides)
    return AutotaskSettings(**values)


class Sleeps:
    """A fake `sleep` that records the waits and advances a fake clock."""

    def __init__(self) -> None:
        self.calls: list[float] = []
        self.now = 1000.0

    def __call__(self, seconds: float) -> None:
        assert seconds >= 0
        self.calls.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def _fresh_process_state() -> Iterator[None]:
    clear_zone_cache()
    clear_shared_limits()
    yield
    clear_zone_cache()
    clear_shared_limits()


@pytest.fixture
def router() -> Iterator[respx.Router]:
    with respx.mock(assert_all_called=False) as mock:
        mock.route(host="127.0.0.1").pass_through()  # a Prefect harness elsewhere in the suite
        yield mock


@pytest.fixture
def fake(router: respx.Router) -> FakeAutotask:
    server = FakeAutotask()
    server.install(router)
    return server


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def client_factory(sleeps: Sleeps) -> Iterator[Callable[..., AutotaskClient]]:
    made: list[AutotaskClient] = []

    def build(**overrides: Any) -> AutotaskClient:
        kwargs = {
            key: overrides.pop(key)
            for key in ("pacing", "zone_cache", "zone_ttl_seconds")
            if key in overrides
        }
        # These tests script the fake request by request; the usage read before the first
        # request (the default) would take the first scripted answer. test_limits covers it.
        kwargs.setdefault("pacing", PacingPolicy(check_first=False))
        client = AutotaskClient(
            make_settings(**overrides),
            sleep=sleeps,
            clock=sleeps.clock,
            rng=random.Random(7),
            **kwargs,
        )
        made.append(client)
        return client

    yield build
    for client in made:
        client.close()
