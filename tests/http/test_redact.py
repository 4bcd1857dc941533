"""Redaction runs before truncation; header values and transport errors never show a secret."""

from __future__ import annotations

import httpx
import pytest

from offermap.http import (
    describe_transport,
    excerpt,
    is_transient_status,
    parse_retry_after,
    redact,
    unsendable_header,
)

SECRET = "CANARYsecret0123456789"


def test_a_secret_echoed_near_the_cut_of_an_error_page_leaks_no_prefix():
    # An IIS page echoing the header back at character ~290: cutting first leaked 13 characters.
    page = "<html><body><h1>400 Bad Request</h1><p>" + "x" * 250 + f" Secret: {SECRET} </p>"
    assert 280 < page.index(SECRET) < 300

    quoted = excerpt(page, [SECRET], 300, html=True)

    assert len(quoted) <= 300
    for size in range(4, len(SECRET) + 1):
        assert SECRET[:size] not in quoted


@pytest.mark.parametrize("suffix", ["\r", "\n", "\r\n", "é"])
def test_a_malformed_secret_is_masked_in_every_form_text_quotes_it(suffix):
    secret = SECRET + suffix
    texts = [
        f"Illegal header value {secret.encode('utf-8')!r}",
        f"value {secret!r} refused",
        f"raw {secret} end",
        f"url ?secret={httpx.QueryParams({'s': secret})}",
    ]
    for text in texts:
        assert SECRET not in redact(text, [secret]), text


def test_short_fragments_are_not_masked_everywhere():
    assert redact("a bc def", ["bc\n"]) == "a bc def"


def test_header_values_that_cannot_be_sent_are_named_not_shown():
    assert unsendable_header({"UserName": "me", "Secret": SECRET + "\r\n"}) == "Secret"
    assert unsendable_header({"Secret": SECRET + "é"}) == "Secret"
    assert unsendable_header({"Secret": SECRET, "X-Tenant": "portal.example.com"}) is None


def test_a_refused_request_is_described_without_its_text():
    exc = httpx.LocalProtocolError(f"Illegal header value b'{SECRET}\\r'")
    assert SECRET not in describe_transport(exc, [])
    timeout = httpx.ReadTimeout(f"timed out (Secret: {SECRET})")
    assert describe_transport(timeout, [SECRET]) == "ReadTimeout: timed out (Secret: ***)"


@pytest.mark.parametrize(
    ("status", "transient"),
    [
        *[(429, True), (500, True), (502, True), (503, True), (504, True)],
        *[(501, False), (505, False), (400, False), (401, False), (404, False)],
    ],
)
def test_which_statuses_may_pass(status, transient):
    assert is_transient_status(status) is transient


def test_retry_after_in_seconds_or_as_a_date():
    assert parse_retry_after("12") == 12.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None
