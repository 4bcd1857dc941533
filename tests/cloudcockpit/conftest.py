"""Fixtures for the CloudCockpit client tests: a fake clock, clients and respx routes."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import respx

from offermap.cloudcockpit import CloudCockpitClient

from .support import TOKEN_URL, FakeClock, TokenEndpoint, make_settings


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_client(clock: FakeClock) -> Iterator[Callable[..., CloudCockpitClient]]:
    clients: list[CloudCockpitClient] = []

    def factory(correlation_id: str | None = None, **overrides: Any) -> CloudCockpitClient:
        client = CloudCockpitClient.from_settings(
            make_settings(**overrides),
            correlation_id=correlation_id,
            clock=clock,
            sleep=clock.sleep,
            rng=random.Random(7),
        )
        clients.append(client)
        return client

    yield factory
    for client in clients:
        client.close()


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    # Loopback passes through so a Prefect harness elsewhere in the session is not blocked.
    with respx.mock(assert_all_called=False) as mock:
        mock.route(host="127.0.0.1").pass_through()
        yield mock


@pytest.fixture
def token_endpoint(api: respx.MockRouter) -> TokenEndpoint:
    endpoint = TokenEndpoint()
    api.post(TOKEN_URL).mock(side_effect=endpoint)
    return endpoint
