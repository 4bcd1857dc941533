"""Which Autotask answers are transient, pushback, an auth failure or final (Autotask's quirks).

Autotask answers ordinary business and validation errors (unknown field, MaxRecords out of
range, an invalid integration code) as HTTP 500 with an `{"errors": [...]}` body: those fail
the same way every time. A 500 without that envelope, or with a message that says to try
again, is a server fault like a 502-504. The per-endpoint thread limit answers "thread
threshold exceeded", sometimes as a 500, sometimes as a 429.
"""

from __future__ import annotations

from enum import Enum

import httpx

from offermap.autotask.errors import contains_any, has_errors_list
from offermap.http import is_transient_status

THREAD_THRESHOLD = ("thread threshold",)
BAD_CODE = ("IntegrationCode is invalid",)
NO_ZONE = ("Zone information could not be determined",)
# A 500 carrying one of these is a transient server fault despite the errors envelope.
_TRANSIENT_HINTS = ("timeout", "timed out", "temporarily", "try again", "deadlock", "unavailable")


class Verdict(Enum):
    """What a non-2xx Autotask answer means to the caller."""

    BAD_USER = "bad user or secret"
    BAD_CODE = "bad integration code"
    NO_ZONE = "unknown zone user"
    THREADS = "thread threshold exceeded"
    RATE_LIMITED = "rate limited"
    TRANSIENT = "server error"
    FATAL = "refused"


def classify(response: httpx.Response, messages: list[str]) -> Verdict:
    """Judge a non-2xx answer of Autotask from its status and its messages."""
    status = response.status_code
    if status == 401:
        return Verdict.BAD_USER
    if contains_any(messages, BAD_CODE):
        return Verdict.BAD_CODE
    if contains_any(messages, NO_ZONE):
        return Verdict.NO_ZONE
    if contains_any(messages, THREAD_THRESHOLD):
        return Verdict.THREADS
    if status == 429:
        return Verdict.RATE_LIMITED
    if not is_transient_status(status):
        return Verdict.FATAL
    if status == 500 and has_errors_list(response) and not contains_any(messages, _TRANSIENT_HINTS):
        return Verdict.FATAL
    return Verdict.TRANSIENT
