"""Retries: every fault kind is retried and counted, with backoff, Retry-After and limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from offermap.cloudcockpit import CloudCockpitError
from offermap.http import parse_retry_after as retry_after_seconds

from .support import API_URL, error_body, subscription

SUBSCRIPTIONS = f"{API_URL}v1/subscriptions"


def ok_page() -> httpx.Response:
    return httpx.Response(200, json={"items": [subscription(1)], "totalCount": 1})


FAULTS = {
    "429": lambda: httpx.Response(429),
    "500": lambda: httpx.Response(500, json=error_body(500, "Internal error.")),
    "502": lambda: httpx.Response(502, text="Bad Gateway"),
    "503": lambda: httpx.Response(503),
    "504": lambda: httpx.Response(504),
    "connect-timeout": lambda: httpx.ConnectTimeout("connect timed out"),
    "read-timeout": lambda: httpx.ReadTimeout("read timed out"),
    "connect-refused": lambda: httpx.ConnectError("[Errno 111] Connection refused"),
    "dropped-connection": lambda: httpx.RemoteProtocolError(
        "Server disconnected without sending a response."
    ),
    "reset-while-reading": lambda: httpx.ReadError("[Errno 104] Connection reset by peer"),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_retries_each_fault_kind_and_counts_it(api, token_endpoint, make_client, clock, fault):
    route = api.get(SUBSCRIPTIONS).mock(side_effect=[FAULTS[fault](), FAULTS[fault](), ok_page()])
    client = make_client(max_retries=3)

    records = list(client.iter_subscriptions())

    assert len(records) == 1
    assert route.call_count == 3
    assert client.requests_made == 3
    assert client.retries_made == 2
    assert len(clock.sleeps) == 2


def test_backs_off_exponentially_with_jitter(api, token_endpoint, make_client, clock):
    api.get(SUBSCRIPTIONS).mock(side_effect=[httpx.Response(503)] * 4 + [ok_page()])

    list(make_client(max_retries=5).iter_subscriptions())

    assert len(clock.sleeps) == 4
    for retry_number, delay in enumerate(clock.sleeps, start=1):
        ceiling = 2.0 ** (retry_number - 1)
        assert ceiling / 2 <= delay <= ceiling
    assert len(set(clock.sleeps)) == 4


def test_honours_retry_after_seconds(api, token_endpoint, make_client, clock):
    api.get(SUBSCRIPTIONS).mock(
        side_effect=[httpx.Response(429, headers={"Retry-After": "17"}), ok_page()]
    )

    list(make_client().iter_subscriptions())

    assert clock.sleeps == [17.0]


def test_reads_retry_after_as_an_http_date():
    now = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    later = format_datetime(now + timedelta(seconds=30), usegmt=True)
    earlier = format_datetime(now - timedelta(seconds=30), usegmt=True)

    assert retry_after_seconds(later, now=now) == 30.0
    assert retry_after_seconds(earlier, now=now) == 0.0
    assert retry_after_seconds("soon", now=now) is None
    assert retry_after_seconds(None) is None


def test_gives_up_after_max_retries_with_the_last_error(api, token_endpoint, make_client, clock):
    route = api.get(SUBSCRIPTIONS).mock(
        return_value=httpx.Response(503, json=error_body(503, "Service busy."))
    )
    client = make_client(max_retries=3)

    with pytest.raises(CloudCockpitError) as caught:
        list(client.iter_subscriptions())

    assert route.call_count == 4
    assert client.retries_made == 3
    assert caught.value.status == 503
    assert caught.value.description == "Service busy."
    assert "gave up after 4 attempts (max retries 3)" in str(caught.value)


def test_gives_up_when_retry_after_passes_the_budget(api, token_endpoint, make_client, clock):
    route = api.get(SUBSCRIPTIONS).mock(
        return_value=httpx.Response(429, headers={"Retry-After": "3600"})
    )

    with pytest.raises(CloudCockpitError) as caught:
        list(make_client(retry_budget_seconds=120).iter_subscriptions())

    assert route.call_count == 1
    assert clock.sleeps == []
    assert caught.value.status == 429
    assert "waiting 3600.0s (Retry-After) would pass the retry budget of 120s" in str(caught.value)


def test_budget_counts_time_already_spent(api, token_endpoint, make_client, clock):
    route = api.get(SUBSCRIPTIONS).mock(
        return_value=httpx.Response(503, headers={"Retry-After": "40"})
    )

    with pytest.raises(CloudCockpitError, match="retry budget of 100s"):
        list(make_client(max_retries=10, retry_budget_seconds=100).iter_subscriptions())

    assert clock.sleeps == [40.0, 40.0]
    assert route.call_count == 3


def test_gives_up_on_repeated_timeouts_naming_the_fault(api, token_endpoint, make_client):
    api.get(SUBSCRIPTIONS).mock(side_effect=httpx.ReadTimeout("read timed out"))
    client = make_client(max_retries=2)

    with pytest.raises(CloudCockpitError) as caught:
        list(client.iter_subscriptions())

    assert caught.value.status is None
    message = str(caught.value)
    assert "GET v1/subscriptions failed: ReadTimeout: read timed out" in message
    assert "gave up after 3 attempts" in message
    assert client.requests_made == 3


def test_sends_explicit_timeouts(api, token_endpoint, make_client):
    route = api.get(SUBSCRIPTIONS).mock(side_effect=[ok_page()])

    list(make_client(timeout_seconds=20.0).iter_subscriptions())

    timeouts = route.calls[0].request.extensions["timeout"]
    assert timeouts == {"connect": 10.0, "read": 20.0, "write": 20.0, "pool": 20.0}


def test_an_api_it_cannot_connect_to_is_named_with_the_setting_to_check(
    api, token_endpoint, make_client, clock
):
    api.get(SUBSCRIPTIONS).mock(
        side_effect=httpx.ConnectError("[Errno -2] Name or service not known")
    )

    with pytest.raises(CloudCockpitError) as caught:
        list(make_client(max_retries=2).iter_subscriptions())

    message = str(caught.value)
    assert "ConnectError to api.cloudcockpit.com: [Errno -2] Name or service not known" in message
    assert "Check CLOUDCOCKPIT_API_URL and the network" in message
    assert "gave up after 3 attempts" in message
