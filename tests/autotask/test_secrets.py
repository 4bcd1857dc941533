"""The secret and the integration code never show in reprs, errors or logs."""

from __future__ import annotations

import logging

import httpx
import pytest
from pydantic import SecretStr

from offermap.autotask import AutotaskClient, AutotaskError, AutotaskFatalError
from offermap.autotask.requester import Credentials

from .conftest import make_settings
from .fake_server import CODE, SECRET, USERNAME, ZONE_ROOT, json_response, service, thread_threshold


def test_repr_shows_username_and_zone_only(fake, client_factory):
    client = client_factory()
    before = repr(client)
    client.zone()
    after = repr(client)
    assert USERNAME in before and "not looked up" in before
    assert ZONE_ROOT in after
    for text in (before, after, repr(Credentials(USERNAME, SECRET, CODE))):
        assert SECRET not in text and CODE not in text


def test_secrets_absent_from_errors_and_captured_logs(fake, client_factory, caplog):
    caplog.set_level(logging.DEBUG)  # every logger, httpx's included
    fake.records["Services"] = [service(i) for i in range(1, 4)]
    # A server that echoes the credentials back in its error text must not leak them either.
    fake.faults.extend(
        [
            thread_threshold(500),
            httpx.ReadTimeout(f"timed out (Secret: {SECRET})"),
            json_response(
                500, {"errors": [f"Bad header ApiIntegrationCode={CODE} Secret={SECRET}"]}
            ),
        ]
    )
    client = client_factory()
    with pytest.raises(AutotaskError) as caught:
        list(client.iter_services())

    texts = [str(caught.value), repr(caught.value), *caught.value.messages, caplog.text]
    texts += [record.getMessage() for record in caplog.records]
    assert any("retry" in record.getMessage() for record in caplog.records)
    for text in texts:
        assert SECRET not in text
        assert CODE not in text
    assert "***" in str(caught.value)


def test_auth_error_does_not_contain_the_secret(fake, client_factory, caplog):
    caplog.set_level(logging.DEBUG)
    wrong = "wrong-but-still-secret-123"
    client = client_factory(secret=wrong)
    with pytest.raises(AutotaskError) as caught:
        client.count("Services")
    for text in (str(caught.value), repr(caught.value), caplog.text, repr(client)):
        assert wrong not in text and CODE not in text


def test_an_error_page_echoing_the_secret_near_its_cut_leaks_no_part_of_it(fake, client_factory):
    # The body is quoted up to 300 characters; masking it after the cut leaked a prefix.
    page = "<html><body><h2>Bad Request</h2><p>" + "x" * 250 + f" Secret: {SECRET}</p></body>"
    assert 280 < page.index(SECRET) < 300
    fake.faults.append(httpx.Response(400, text=page))

    with pytest.raises(AutotaskError) as caught:
        client_factory().count("Services")

    text = str(caught.value) + " ".join(caught.value.messages)
    for size in range(6, len(SECRET) + 1):
        assert SECRET[:size] not in text


@pytest.mark.parametrize("bad", ["\r", "\n", "\r\n", "é"])
def test_a_secret_that_cannot_be_sent_is_refused_by_name_and_never_sent(fake, sleeps, caplog, bad):
    # Settings refuse such a secret; the client must not leak it either if given one anyway.
    caplog.set_level(logging.DEBUG)
    malformed = SECRET + bad
    settings = make_settings().model_copy(update={"secret": SecretStr(malformed)})
    client = AutotaskClient(settings, sleep=sleeps, clock=sleeps.clock)

    with client, pytest.raises(AutotaskFatalError) as caught:
        client.count("Services")

    assert "the Secret header cannot be sent" in str(caught.value)
    assert "check AUTOTASK_SECRET" in str(caught.value)
    assert fake.requests_to("query/count") == [] and sleeps.calls == []
    for text in (str(caught.value), repr(caught.value), caplog.text):
        assert SECRET not in text
