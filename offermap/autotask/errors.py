"""Errors raised by the Autotask client, and how Autotask's error bodies are read."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence

import httpx
from pydantic import ValidationError

_MAX_TEXT = 300
_TAGS = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


class AutotaskError(Exception):
    """Autotask refused a request, answered something unreadable, or could not be reached.

    Attributes:
        status: the HTTP status, or None when no response came (timeout, dropped connection).
        entity: the entity (endpoint) the request was for, e.g. "Services".
        messages: Autotask's own text: its `errors` list, or the `Message` of a 405.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        entity: str | None = None,
        messages: Sequence[str] = (),
    ) -> None:
        super().__init__(message)
        self.status = status
        self.entity = entity
        self.messages = list(messages)


class AutotaskAuthError(AutotaskError):
    """Autotask rejected the credentials (user, secret or integration code)."""


def response_messages(response: httpx.Response) -> list[str]:
    """Autotask's own text from an error response.

    Autotask answers business errors as `{"errors": [...]}`, a wrong verb as ASP.NET's
    `{"Message": ...}`, and unknown paths with an IIS HTML page; all three are read here.

    Args:
        response: the HTTP response (any status).

    Returns:
        The messages, possibly empty; HTML is reduced to its text and shortened.
    """
    try:
        payload = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return _text_messages(response.text)
    if isinstance(payload, dict):
        errors = payload.get("errors")
        if isinstance(errors, list) and errors:
            return [str(item) for item in errors]
        for key in ("Message", "message", "error", "title"):
            value = payload.get(key)
            if isinstance(value, str) and value:
                return [value]
        return []
    if isinstance(payload, str) and payload:
        return [payload]
    return []


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


def _text_messages(text: str) -> list[str]:
    plain = _SPACE.sub(" ", _TAGS.sub(" ", text)).strip()
    if not plain:
        return []
    if len(plain) > _MAX_TEXT:
        plain = plain[: _MAX_TEXT - 1] + "…"
    return [plain]


def contains_any(messages: Iterable[str], needles: Iterable[str]) -> bool:
    """Whether any message contains any needle, ignoring case."""
    lowered = [message.lower() for message in messages]
    return any(needle.lower() in message for needle in needles for message in lowered)


def redact(text: str, secrets: Iterable[str]) -> str:
    """Replace every secret in `text` by `***` (a safety net for text the server echoes)."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def describe(exc: Exception) -> str:
    """A one-line account of a parsing failure: pydantic's field errors, or the first line."""
    if isinstance(exc, ValidationError):
        return "; ".join(
            f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
            for error in exc.errors()
        )
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
