"""Errors raised by the Autotask client, and how Autotask's error bodies are read.

The kinds come from `offermap.http`; this module only roots them under `AutotaskError`, so that
`except AutotaskError` catches every Autotask failure and `except TransientError` every
transient one of either API.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

import httpx
from pydantic import ValidationError

from offermap.http import ApiError, AuthError, FatalApiError, RateLimitedError, TransientError
from offermap.http.redact import excerpt, redact

_MAX_TEXT = 300


class AutotaskError(ApiError):
    """Autotask refused a request, answered something unusable, or could not be reached.

    Attributes:
        status: the HTTP status, or None when no response came (timeout, dropped connection).
        entity: the entity (endpoint) the request was for, e.g. "Services".
        messages: Autotask's own text: its `errors` list, or the `Message` of a 405 (redacted).
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        entity: str | None = None,
        messages: Sequence[str] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(message, status=status, endpoint=entity, messages=messages, **kwargs)
        self.entity = entity


class AutotaskTransientError(AutotaskError, TransientError):
    """A timeout, a lost connection, a 5xx without Autotask's errors envelope, a cut body."""


class AutotaskRateLimitedError(AutotaskTransientError, RateLimitedError):
    """Autotask pushed back: 429 (hourly threshold) or the per-endpoint thread threshold."""


class AutotaskAuthError(AutotaskError, AuthError):
    """Autotask rejected the credentials (user, secret or integration code)."""


class AutotaskFatalError(AutotaskError, FatalApiError):
    """Autotask refused the request, or answered something unusable or inconsistent."""


def response_messages(response: httpx.Response, secrets: Iterable[str]) -> list[str]:
    """Autotask's own text from an error response, every secret masked.

    Autotask answers business errors as `{"errors": [...]}`, a wrong verb as ASP.NET's
    `{"Message": ...}`, and unknown paths with an IIS HTML page; all three are read here.
    A body quoted as text is redacted before it is shortened, never after.

    Args:
        response: the HTTP response (any status).
        secrets: values to mask.

    Returns:
        The messages, possibly empty; HTML is reduced to its text and shortened.
    """
    kept = list(secrets)
    try:
        payload = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        text = excerpt(response.text, kept, _MAX_TEXT, html=True)
        return [text] if text else []
    found: list[str] = []
    if isinstance(payload, dict):
        errors = payload.get("errors")
        if isinstance(errors, list) and errors:
            found = [str(item) for item in errors]
        else:
            for key in ("Message", "message", "error", "title"):
                value = payload.get(key)
                if isinstance(value, str) and value:
                    found = [value]
                    break
    elif isinstance(payload, str) and payload:
        found = [payload]
    return [redact(message, kept) for message in found]


def has_errors_list(response: httpx.Response) -> bool:
    """Whether the body is Autotask's `{"errors": [...]}` envelope with at least one message."""
    try:
        payload = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return False
    return (
        isinstance(payload, dict)
        and isinstance(payload.get("errors"), list)
        and len(payload["errors"]) > 0
    )


def contains_any(messages: Iterable[str], needles: Iterable[str]) -> bool:
    """Whether any message contains any needle, ignoring case."""
    lowered = [message.lower() for message in messages]
    return any(needle.lower() in message for needle in needles for message in lowered)


def describe(exc: Exception) -> str:
    """A one-line account of a parsing failure: pydantic's field errors, or the first line."""
    if isinstance(exc, ValidationError):
        return "; ".join(
            f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
            for error in exc.errors()
        )
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
