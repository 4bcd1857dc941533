"""Errors of the CloudCockpit client, built from CloudCockpit's and Entra's error bodies.

CloudCockpit answers errors with ``{statusCode, type, description, correlationId,
errors: [{propertyName, description: [...]}]}``; ASP.NET model-binding failures arrive as
RFC 7807 problem details (``title``, ``detail``, ``errors: {Property: [...]}``) instead, so
both shapes are read. See https://developer.cloudcockpit.com/group/endpoint-gdap.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from offermap.http import ApiError, AuthError, FatalApiError, RateLimitedError, TransientError
from offermap.http.redact import excerpt, redact

_MAX_TEXT = 300


@dataclass(frozen=True)
class PropertyError:
    """One entry of the error body's ``errors`` list: a property and what is wrong with it."""

    property_name: str
    descriptions: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.property_name}: {'; '.join(self.descriptions) or '(no description)'}"


class CloudCockpitError(ApiError):
    """A CloudCockpit call failed; the message names the endpoint, status and what was wrong.

    Attributes:
        endpoint: method and path of the call, e.g. ``GET v1/subscriptions``.
        status: HTTP status, or None when no response was received or the body was unusable.
        type: the error body's ``type``.
        description: the error body's ``description`` (redacted).
        correlation_id: the error body's ``correlationId`` (quote it to CloudCockpit support).
        errors: the error body's property errors.
    """

    def __init__(
        self,
        message: str,
        *,
        endpoint: str | None = None,
        status: int | None = None,
        error_type: str | None = None,
        description: str | None = None,
        correlation_id: str | None = None,
        errors: Sequence[PropertyError] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(
            message,
            status=status,
            endpoint=endpoint,
            messages=[description] if description else [],
            **kwargs,
        )
        self.type = error_type
        self.description = description
        self.correlation_id = correlation_id
        self.errors: tuple[PropertyError, ...] = tuple(errors)


class CloudCockpitTransientError(CloudCockpitError, TransientError):
    """A timeout, a lost connection, a 5xx or a cut body: it may pass if asked again."""


class CloudCockpitRateLimitedError(CloudCockpitTransientError, RateLimitedError):
    """CloudCockpit or Entra answered 429 Too Many Requests."""


class CloudCockpitAuthError(CloudCockpitError, AuthError):
    """The token endpoint refused the credentials, or CloudCockpit refused a fresh token."""


class CloudCockpitFatalError(CloudCockpitError, FatalApiError):
    """CloudCockpit refused the request, or answered something unusable or inconsistent."""


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _property_errors(raw: Any) -> list[PropertyError]:
    found: list[PropertyError] = []
    if isinstance(raw, list):
        for entry in raw:
            if isinstance(entry, dict):
                name = _as_text(entry.get("propertyName")) or "(request)"
                found.append(PropertyError(name, _descriptions(entry.get("description"))))
            elif (text := _as_text(entry)) is not None:
                found.append(PropertyError("(request)", (text,)))
    elif isinstance(raw, dict):
        for name, descriptions in raw.items():
            found.append(PropertyError(str(name), _descriptions(descriptions)))
    return found


def _descriptions(raw: Any) -> tuple[str, ...]:
    if isinstance(raw, list):
        return tuple(text for item in raw if (text := _as_text(item)) is not None)
    text = _as_text(raw)
    return (text,) if text is not None else ()


def json_object(response: httpx.Response) -> dict[str, Any] | None:
    """The response body if it is a JSON object, else None (HTML error pages, lists, junk)."""
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def error_from_response(
    endpoint: str,
    response: httpx.Response,
    *,
    hint: str | None = None,
    secrets: Iterable[str] = (),
    error_class: type[CloudCockpitError] = CloudCockpitFatalError,
    **extra: Any,
) -> CloudCockpitError:
    """Turn a CloudCockpit error response into an exception whose message says what was wrong.

    Args:
        endpoint: method and path of the call, for the message.
        response: the non-success response; its body is read if it is JSON.
        hint: a sentence on what to check, appended to the message.
        secrets: values to mask in the message.
        error_class: the exception class to build.
        extra: further keyword arguments of `error_class` (a transient error's retry_after).

    Returns:
        The exception (not raised), carrying every field of the error body.
    """
    kept = list(secrets)
    body = json_object(response)
    status = response.status_code
    error_type = description = correlation_id = None
    errors: list[PropertyError] = []
    if body is not None:
        error_type = _as_text(body.get("type"))
        description = _as_text(body.get("description")) or _as_text(body.get("detail"))
        if description is None:
            description = _as_text(body.get("title")) or _as_text(body.get("message"))
        correlation_id = _as_text(body.get("correlationId"))
        errors = _property_errors(body.get("errors"))
    elif response.content:
        # Masked before it is cut: a page echoing a secret near the cut must not leak a prefix.
        description = excerpt(response.text, kept, _MAX_TEXT)

    reason = response.reason_phrase or "error"
    parts = [f"CloudCockpit {endpoint} failed with {status} {reason}"]
    if description:
        parts[0] += f": {description}"
    if errors:
        parts.append("property errors: " + "; ".join(str(error) for error in errors))
    details = [f"type {error_type}"] if error_type else []
    if correlation_id:
        details.append(f"correlation id {correlation_id}")
    message = ". ".join(parts)
    if details:
        message += f" ({', '.join(details)})"
    if hint:
        message += f". {hint}"
    return error_class(
        redact(message, kept),
        endpoint=endpoint,
        status=status,
        error_type=error_type,
        description=redact(description, kept) if description else None,
        correlation_id=correlation_id,
        errors=errors,
        **extra,
    )
