"""OAuth2 client-credentials tokens from Microsoft Entra for the CloudCockpit API, cached.

A CSP creates an "API Access" in CloudCockpit; its client id and secret are exchanged at the
Entra ``…/oauth2/v2.0/token`` endpoint for a bearer token. See
https://developer.cloudcockpit.com/operation/operation-get-v1-orders-customers-parameter and
https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from offermap.cloudcockpit.errors import (
    CloudCockpitAuthError,
    CloudCockpitError,
    CloudCockpitFatalError,
    CloudCockpitRateLimitedError,
    CloudCockpitTransientError,
    json_object,
)
from offermap.http import (
    Retrier,
    describe_transport,
    is_transient_status,
    is_transient_transport,
    parse_retry_after,
    redact,
    shorten,
)
from offermap.http.redact import excerpt
from offermap.settings import CloudCockpitSettings

logger = logging.getLogger("offermap.cloudcockpit")

# Renew this long before expiry so a token never lapses between check and use.
RENEW_BEFORE_EXPIRY_SECONDS = 120.0
# Entra always sends expires_in; this only covers a non-conforming token endpoint.
DEFAULT_LIFETIME_SECONDS = 300.0

_CREDENTIALS = "CLOUDCOCKPIT_CLIENT_ID / CLOUDCOCKPIT_CLIENT_SECRET"


@dataclass
class _Token:
    value: str = field(repr=False)
    renew_at: float


class TokenProvider:
    """Fetches, caches and renews the bearer token; counts the token requests it makes."""

    def __init__(
        self,
        http: httpx.Client,
        settings: CloudCockpitSettings,
        retrier: Retrier,
        *,
        clock: Callable[[], float],
    ) -> None:
        """Create a provider; no request is made until a token is needed.

        Args:
            http: the HTTP client to post with.
            settings: token URL, client id, secret and scope.
            retrier: retries 429/5xx/transport faults of the token endpoint.
            clock: a monotonic clock in seconds, for expiry.
        """
        self._http = http
        self._settings = settings
        self._retrier = retrier
        self._clock = clock
        self._token: _Token | None = None
        # Kept only to mask them in messages; _Token hides the value from any repr.
        self._issued: list[_Token] = []
        self.requests_made = 0

    def __repr__(self) -> str:
        return f"TokenProvider(token_url={self._settings.token_url!r})"

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every value that must never be shown: the client secret and each token issued."""
        return (
            self._settings.client_secret.get_secret_value(),
            *(token.value for token in self._issued),
        )

    def bearer(self) -> str:
        """The current access token, fetched or renewed when missing or about to expire.

        Returns:
            The access token (for the ``Authorization: Bearer`` header only).

        Raises:
            CloudCockpitAuthError: the token endpoint refused the credentials.
            CloudCockpitTransientError: the token endpoint could not be reached, or kept failing,
                within the retry limits.
        """
        token = self._token
        if token is None or self._clock() >= token.renew_at:
            token = self._fetch()
            self._token = token
        return token.value

    def invalidate(self) -> None:
        """Forget the cached token so the next call fetches a new one."""
        self._token = None

    def _fetch(self) -> _Token:
        settings = self._settings
        endpoint = "POST token endpoint"
        form = {
            "grant_type": "client_credentials",
            "client_id": settings.client_id,
            "client_secret": settings.client_secret.get_secret_value(),
        }
        if settings.scope:
            form["scope"] = settings.scope

        def attempt() -> httpx.Response:
            self.requests_made += 1
            try:
                response = self._http.post(
                    settings.token_url, data=form, headers={"Accept": "application/json"}
                )
            except httpx.TransportError as exc:
                kind: type[CloudCockpitFatalError | CloudCockpitTransientError] = (
                    CloudCockpitTransientError
                    if is_transient_transport(exc)
                    else CloudCockpitFatalError
                )
                raise kind(
                    f"CloudCockpit token endpoint {settings.token_url} could not be reached: "
                    f"{describe_transport(exc, self.secrets)}. Check CLOUDCOCKPIT_TOKEN_URL and "
                    "the network",
                    endpoint=endpoint,
                ) from None
            if not response.is_success:
                raise self._refusal(response)
            return response

        response = self._retrier.call(attempt, f"CloudCockpit {endpoint}")
        body = json_object(response) or {}
        access_token = body.get("access_token")
        if not isinstance(access_token, str) or not access_token:
            raise CloudCockpitAuthError(
                f"CloudCockpit token endpoint {settings.token_url} answered {response.status_code} "
                "without an access_token; check CLOUDCOCKPIT_TOKEN_URL (it should end in "
                "/oauth2/v2.0/token)",
                endpoint=endpoint,
                status=response.status_code,
            )
        lifetime = _lifetime(body)
        margin = min(RENEW_BEFORE_EXPIRY_SECONDS, lifetime / 2)
        token = _Token(access_token, self._clock() + lifetime - margin)
        self._issued.append(token)
        logger.debug("CloudCockpit token issued, valid for %.0fs", lifetime)
        return token

    def _refusal(self, response: httpx.Response) -> CloudCockpitError:
        settings = self._settings
        secrets = self.secrets
        body = json_object(response) or {}
        code = str(body.get("error") or "").strip()
        raw_description = str(body.get("error_description") or "").strip()
        # Entra appends trace and correlation ids on further lines; the first line says it all.
        first_line = raw_description.splitlines()[0] if raw_description else ""
        # Masked before anything is cut, so an echoed secret never leaks a prefix.
        description = shorten(redact(first_line, secrets), 300)
        if not code and not description and response.content:
            description = excerpt(response.text, secrets, 300)
        status = response.status_code
        transient = is_transient_status(status)
        if status in (400, 401):
            checks = [_CREDENTIALS]
            if code == "invalid_scope" or "scope" in raw_description.lower():
                checks.append("CLOUDCOCKPIT_SCOPE")
            hint = f"check {' and '.join(checks)} (the API Access created in CloudCockpit)"
        elif transient:
            hint = "try again later"
        else:
            hint = "check CLOUDCOCKPIT_TOKEN_URL"
        # Only a refusal is about credentials; a 429/5xx may pass and is retried.
        error_class: type[CloudCockpitError] = CloudCockpitAuthError
        extra: dict[str, Any] = {}
        if transient:
            error_class = (
                CloudCockpitRateLimitedError if status == 429 else CloudCockpitTransientError
            )
            extra["retry_after"] = parse_retry_after(response.headers.get("Retry-After"))
        what = f"{status} {code}".strip()
        message = f"CloudCockpit token request to {settings.token_url} was refused ({what})"
        if description:
            message += f": {description}"
        message += f"; {hint}"
        return error_class(
            redact(message, secrets),
            endpoint="POST token endpoint",
            status=status,
            error_type=code or None,
            description=description or None,
            correlation_id=str(body["correlation_id"]) if body.get("correlation_id") else None,
            **extra,
        )


def _lifetime(body: dict[str, Any]) -> float:
    # Entra's v1 endpoint sends expires_in as a string, v2 as a number: accept both.
    try:
        lifetime = float(body.get("expires_in", DEFAULT_LIFETIME_SECONDS))
    except (TypeError, ValueError):
        return DEFAULT_LIFETIME_SECONDS
    return lifetime if lifetime > 0 else DEFAULT_LIFETIME_SECONDS
