"""Malformed secrets are refused by name, and echoed secrets never reach an error, cut or not."""

from __future__ import annotations

import logging

import httpx
import pytest

from offermap.cloudcockpit import CloudCockpitClient, CloudCockpitError
from offermap.settings import (
    AutotaskSettings,
    SettingsError,
    load_autotask_settings,
    load_cloudcockpit_settings,
)

from .support import API_URL, CLIENT_SECRET, TOKEN_URL, make_settings

SUBSCRIPTIONS = f"{API_URL}v1/subscriptions"
CANARY = "CANARYsecret0123456789abc"
MALFORMED = ["\r", "\n", "\r\n", "\t", "é", "\u2028"]


def _env(monkeypatch: pytest.MonkeyPatch, **values: str) -> None:
    for name, value in values.items():
        monkeypatch.setenv(name, value)


@pytest.mark.parametrize("bad", MALFORMED)
@pytest.mark.parametrize(
    "variable", ["AUTOTASK_SECRET", "AUTOTASK_INTEGRATION_CODE", "AUTOTASK_USERNAME"]
)
def test_autotask_settings_refuse_a_malformed_credential_by_name(monkeypatch, variable, bad):
    _env(
        monkeypatch,
        AUTOTASK_USERNAME="api@contoso.example",
        AUTOTASK_SECRET="good-secret",
        AUTOTASK_INTEGRATION_CODE="GOODCODE",
    )
    monkeypatch.setenv(variable, CANARY + bad)

    with pytest.raises(SettingsError) as caught:
        load_autotask_settings()

    text = str(caught.value)
    assert text.startswith(f"{variable} has control or non-ASCII characters")
    assert "\n" not in text and CANARY[:6] not in text and CANARY[:6] not in repr(caught.value)


@pytest.mark.parametrize("bad", MALFORMED)
@pytest.mark.parametrize(
    "variable", ["CLOUDCOCKPIT_CLIENT_SECRET", "CLOUDCOCKPIT_CLIENT_ID", "CLOUDCOCKPIT_TENANT"]
)
def test_cloudcockpit_settings_refuse_a_malformed_credential_by_name(monkeypatch, variable, bad):
    _env(
        monkeypatch,
        CLOUDCOCKPIT_TOKEN_URL=TOKEN_URL,
        CLOUDCOCKPIT_CLIENT_ID="client",
        CLOUDCOCKPIT_CLIENT_SECRET="good-secret",
        CLOUDCOCKPIT_TENANT="portal.example.com",
    )
    monkeypatch.setenv(variable, CANARY + bad)

    with pytest.raises(SettingsError) as caught:
        load_cloudcockpit_settings()

    assert str(caught.value).startswith(f"{variable} has control or non-ASCII characters")
    assert CANARY[:6] not in str(caught.value)


def test_pydantic_own_error_text_does_not_echo_the_secret_either():
    with pytest.raises(ValueError) as caught:
        AutotaskSettings(username="u", secret=CANARY + "\r", integration_code="c")

    assert "secret" in str(caught.value)
    assert CANARY[:6] not in str(caught.value) and CANARY[:6] not in repr(caught.value)


def test_a_tenant_header_that_cannot_be_sent_is_refused_by_name(api, token_endpoint, clock, caplog):
    caplog.set_level(logging.DEBUG)
    route = api.get(SUBSCRIPTIONS)
    # Settings refuse it (model_copy skips validation): a client given one anyway must
    # neither send it nor print it.
    settings = make_settings().model_copy(update={"tenant": CANARY + "\r\n"})

    with (
        CloudCockpitClient.from_settings(settings, clock=clock, sleep=clock.sleep) as client,
        pytest.raises(CloudCockpitError) as caught,
    ):
        list(client.iter_subscriptions())

    assert "the X-Tenant header cannot be sent" in str(caught.value)
    assert "CLOUDCOCKPIT_TENANT" in str(caught.value)
    assert not route.called
    for text in (str(caught.value), repr(caught.value), caplog.text):
        assert CANARY not in text


def test_an_error_page_echoing_the_secret_near_its_cut_leaks_no_part_of_it(api, make_client):
    page = "<html><body>" + "x" * 270 + f" client_secret={CLIENT_SECRET}</body></html>"
    assert 280 < page.index(CLIENT_SECRET) < 300
    api.post(TOKEN_URL).mock(return_value=httpx.Response(400, text=page))

    with pytest.raises(CloudCockpitError) as caught:
        list(make_client().iter_subscriptions())

    text = f"{caught.value} {caught.value.description}"
    for size in range(6, len(CLIENT_SECRET) + 1):
        assert CLIENT_SECRET[:size] not in text
