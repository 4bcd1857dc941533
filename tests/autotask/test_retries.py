"""Retries on 429 (Retry-After), 5xx, thread threshold, timeouts, dropped connections; no others."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from offermap.autotask import AutotaskAuthError, AutotaskError, F
from offermap.http import parse_retry_after

from .fake_server import json_response, service, thread_threshold


def test_survives_every_fault_kind_and_returns_each_record_exactly_once(
    fake, client_factory, sleeps
):
    fake.records["Services"] = [service(i) for i in range(1, 1235)]
    fake.faults.extend(
        [
            json_response(429, {"errors": ["API threshold exceeded"]}, {"Retry-After": "7"}),
            None,  # count
            httpx.Response(503, text="Service Unavailable"),
            None,  # page 1
            thread_threshold(500),
            httpx.ReadTimeout("timed out"),
            None,  # page 2
            httpx.RemoteProtocolError("Server disconnected without sending a response."),
            httpx.ConnectError("connection reset"),
            httpx.Response(500, text="<html>Runtime Error</html>"),
            thread_threshold(429),
            httpx.Response(200, text='{"items": [{"id": 1001, "name": "trunc'),  # cut short
            None,  # page 3
        ]
    )
    client = client_factory()

    ids = [s.id for s in client.iter_services()]

    assert sorted(ids) == list(range(1, 1235)) and len(ids) == 1234
    assert not fake.faults
    assert len(sleeps.calls) == 9
    assert 7.0 <= sleeps.calls[0] < 7.5  # Retry-After honoured
    assert client.requests_made == 1 + 13  # zone lookup + every attempt


def test_backoff_grows_exponentially_with_jitter(router, fake, client_factory, sleeps):
    fake.faults.extend([httpx.Response(502, text="Bad Gateway")] * 4)
    client_factory().count("Services")
    first, second, third, fourth = sleeps.calls
    assert 0.25 <= first <= 0.5 and 0.5 <= second <= 1.0
    assert 1.0 <= third <= 2.0 and 2.0 <= fourth <= 4.0


def test_thread_threshold_backs_off_longer_than_a_server_error(fake, client_factory, sleeps):
    fake.faults.append(thread_threshold(500))
    client_factory().count("Services")
    assert sleeps.calls[0] >= 1.0


@pytest.mark.parametrize(
    "message",
    [
        "Unable to find projectID in the Service Entity.",
        "maxCountOfRecordsToReturn must be between 1 and 500",
        "Value does not reference an existing entity for taskType . ",
    ],
)
def test_ordinary_validation_500s_are_not_retried(fake, client_factory, sleeps, message):
    fake.faults.append(json_response(500, {"errors": [message]}))
    client = client_factory()
    with pytest.raises(AutotaskError) as caught:
        client.count("Services")
    assert caught.value.status == 500
    assert caught.value.messages == [message]
    assert message in str(caught.value) and "Services" in str(caught.value)
    assert sleeps.calls == []
    assert len(fake.requests_to("query/count")) == 1


def test_unknown_filter_field_error_from_server_is_surfaced(fake, client_factory, sleeps):
    fake.records["Services"] = [service(1)]
    with pytest.raises(AutotaskError, match=r"Unable to find nosuch in the Service Entity\."):
        list(client_factory().iter_services(F.eq("nosuch", 1)))
    assert sleeps.calls == []


def test_401_is_not_retried_and_asks_to_check_username_and_secret(fake, client_factory, sleeps):
    client = client_factory(secret="wrong-secret-value")
    with pytest.raises(
        AutotaskAuthError, match="check AUTOTASK_USERNAME and AUTOTASK_SECRET"
    ) as caught:
        client.count("Services")
    assert caught.value.status == 401 and caught.value.entity == "Services"
    assert sleeps.calls == []
    assert len(fake.requests_to("query/count")) == 1


def test_invalid_integration_code_is_an_auth_error_not_retried(fake, client_factory, sleeps):
    client = client_factory(integration_code="NOT-THE-CODE-0000000000000")
    with pytest.raises(AutotaskAuthError, match="check AUTOTASK_INTEGRATION_CODE") as caught:
        list(client.query("Services"))
    assert caught.value.messages == ["IntegrationCode is invalid."]
    assert sleeps.calls == []


@pytest.mark.parametrize("status", [400, 403, 404, 409, 422])
def test_other_4xx_are_not_retried(fake, client_factory, sleeps, status):
    fake.faults.append(json_response(status, {"errors": ["nope"]}))
    with pytest.raises(AutotaskError) as caught:
        client_factory().count("Services")
    assert caught.value.status == status
    assert sleeps.calls == []


def test_wrong_verb_405_is_surfaced_with_autotask_message(fake, client_factory):
    message = "The requested resource does not support http method 'GET'."
    fake.faults.append(json_response(405, {"Message": message}))
    with pytest.raises(AutotaskError) as caught:
        client_factory().count("Services")
    assert caught.value.status == 405
    assert caught.value.messages == [message]
    text = str(caught.value)
    assert "HTTP 405" in text and message in text and "Services" in text
    assert "does not take that HTTP method" in text


def test_404_html_body_is_summarised_as_text(fake, client_factory):
    fake.faults.append(
        httpx.Response(
            404, text="<html><body><h1>404 - File or directory not found.</h1></body></html>"
        )
    )
    with pytest.raises(AutotaskError, match=r"HTTP 404: 404 - File or directory not found\."):
        client_factory().count("Services")


def test_gives_up_after_max_retries_naming_entity_and_status(fake, client_factory, sleeps):
    fake.faults.extend([httpx.Response(503, text="down")] * 10)
    with pytest.raises(
        AutotaskError, match=r"Services .*HTTP 503.*gave up after 3 attempts"
    ) as caught:
        client_factory(max_retries=2).count("Services")
    assert caught.value.status == 503
    assert len(sleeps.calls) == 2


def test_gives_up_on_timeouts_with_no_status(fake, client_factory, sleeps):
    fake.faults.extend([httpx.ConnectTimeout("timed out")] * 3)
    with pytest.raises(AutotaskError, match=r"timed out.*gave up after 3 attempts") as caught:
        client_factory(max_retries=2).count("Services")
    assert caught.value.status is None


def test_retry_after_beyond_the_budget_gives_up_at_once(fake, client_factory, sleeps):
    fake.faults.append(json_response(429, {"errors": ["slow down"]}, {"Retry-After": "120"}))
    with pytest.raises(AutotaskError, match="retry budget of 60s"):
        client_factory(retry_budget_seconds=60).count("Services")
    assert sleeps.calls == []


def test_retry_budget_bounds_total_waiting(fake, client_factory, sleeps):
    fake.faults.extend([thread_threshold(500)] * 20)
    with pytest.raises(AutotaskError, match="retry budget"):
        client_factory(max_retries=20, retry_budget_seconds=30).count("Services")
    assert sum(sleeps.calls) <= 30


def test_parses_retry_after_seconds_and_http_dates():
    assert parse_retry_after("12") == 12.0
    assert parse_retry_after(" 1.5 ") == 1.5
    assert parse_retry_after("-3") == 0.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=90), usegmt=True)
    got = parse_retry_after(later)
    assert got is not None and 80 <= got <= 90
