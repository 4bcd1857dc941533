"""Authenticated, retried JSON GETs against the CloudCockpit API, with request counters.

Every call carries ``Authorization: Bearer``, ``X-Tenant`` and ``X-Correlation-Id``; a 401
renews the token and tries once more; 429, 5xx and transport faults are retried.
See https://developer.cloudcockpit.com/group/endpoint-gdap.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from offermap.cloudcockpit.auth import TokenProvider
from offermap.cloudcockpit.errors import (
    CloudCockpitAuthError,
    CloudCockpitError,
    error_from_response,
    redact,
)
from offermap.cloudcockpit.retry import Outcome, Retrier, RetriesExhausted, RetryPolicy
from offermap.settings import CloudCockpitSettings

logger = logging.getLogger("offermap.cloudcockpit")

USER_AGENT = "offermap (CloudCockpit offer mapping)"
# Connecting should be quick; reading a 2,000-record page may take the full timeout.
CONNECT_TIMEOUT_SECONDS = 10.0


class TruncatedBody(httpx.TransportError):
    """A success response announced JSON but its body does not decode: it was cut short."""


_NOT_DECODED = object()


def _decode_json(response: httpx.Response) -> Any:
    """The body of a success response that says it is JSON, decoded; else `_NOT_DECODED`.

    Raises:
        TruncatedBody: the body does not decode, so it was cut short on the way; retried like
            a dropped connection. A body of another content type (an HTML page at a wrong
            URL) is left to `get_json` to explain: it would read the same every time.
    """
    if not response.is_success or "json" not in response.headers.get("Content-Type", ""):
        return _NOT_DECODED
    try:
        return response.json()
    except ValueError:
        response.close()
        raise TruncatedBody(
            f"the {response.status_code} response's JSON body is cut short or corrupt",
            request=response.request,
        ) from None


class ApiSession:
    """One connection pool, token and retry policy for the calls of one client."""

    def __init__(
        self,
        settings: CloudCockpitSettings,
        *,
        correlation_id: str,
        transport: httpx.BaseTransport | None,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
        rng: random.Random,
    ) -> None:
        """Create a session; nothing is sent until the first call.

        Args:
            settings: API root, tenant, credentials, timeouts and retry limits.
            correlation_id: the UUID sent as ``X-Correlation-Id``.
            transport: an httpx transport to use instead of the network.
            clock: a monotonic clock in seconds (token expiry, retry budget).
            sleep: waits between retries.
            rng: the jitter source for backoff.
        """
        self._settings = settings
        self.correlation_id = correlation_id
        self._http = httpx.Client(
            base_url=settings.api_url,
            transport=transport,
            timeout=httpx.Timeout(
                settings.timeout_seconds,
                connect=min(CONNECT_TIMEOUT_SECONDS, settings.timeout_seconds),
            ),
            headers={"Accept": "application/json", "User-Agent": USER_AGENT},
        )
        self._retrier = Retrier(
            RetryPolicy(settings.max_retries, settings.retry_budget_seconds),
            clock=clock,
            sleep=sleep,
            rng=rng,
        )
        self._tokens = TokenProvider(self._http, settings, self._retrier, clock=clock)
        self.requests_made = 0

    def __repr__(self) -> str:
        return f"ApiSession(api_url={self._settings.api_url!r}, tenant={self._settings.tenant!r})"

    @property
    def token_requests(self) -> int:
        """HTTP requests sent to the token endpoint, retries included."""
        return self._tokens.requests_made

    @property
    def retries_made(self) -> int:
        """Retries made after 429, 5xx, timeouts or dropped connections (API and token)."""
        return self._retrier.retries_made

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def get_json(self, path: str, params: Mapping[str, str]) -> Any:
        """GET a path under the API root and decode its JSON body.

        Args:
            path: relative to ``api_url``, e.g. ``v1/subscriptions``.
            params: the query parameters.

        Returns:
            The decoded body.

        Raises:
            CloudCockpitAuthError: the credentials, or a freshly issued token, were refused.
            CloudCockpitError: any other failure, after retries where they make sense.
        """
        endpoint = f"GET {path}"
        body: list[Any] = []
        outcome = self._send(endpoint, path, params, body)
        if outcome.response.status_code == 401:
            # A token can be revoked or rotated before its stated expiry: renew once.
            logger.info("CloudCockpit %s: 401, renewing the token and retrying once", endpoint)
            self._tokens.invalidate()
            outcome = self._send(endpoint, path, params, body)
            if outcome.response.status_code == 401:
                self._tokens.invalidate()  # useless now; a later call starts with a new one
                raise error_from_response(
                    endpoint,
                    outcome.response,
                    hint=(
                        "CloudCockpit refused a freshly issued token too: check that the API "
                        "Access behind CLOUDCOCKPIT_CLIENT_ID is enabled and that "
                        "CLOUDCOCKPIT_SCOPE and CLOUDCOCKPIT_TENANT belong to it"
                    ),
                    secrets=self._tokens.secrets,
                    error_class=CloudCockpitAuthError,
                )
        response = outcome.response
        if not response.is_success:
            raise error_from_response(
                endpoint,
                response,
                hint=self._hint(response.status_code, outcome),
                secrets=self._tokens.secrets,
            )
        if body and body[0] is not _NOT_DECODED:
            return body[0]
        try:
            return response.json()
        except ValueError:
            content_type = response.headers.get("Content-Type", "no content type")
            raise CloudCockpitError(
                f"CloudCockpit {endpoint} answered {response.status_code} with a body that is "
                f"not JSON ({content_type}); check CLOUDCOCKPIT_API_URL "
                f"({self._settings.api_url})",
                endpoint=endpoint,
                status=response.status_code,
            ) from None

    def _send(
        self, endpoint: str, path: str, params: Mapping[str, str], body: list[Any]
    ) -> Outcome:
        """Send with retries; a success's decoded JSON body is put in `body` (decoded once)."""

        def attempt() -> httpx.Response:
            headers = {
                "Authorization": f"Bearer {self._tokens.bearer()}",
                "X-Tenant": self._settings.tenant,
                "X-Correlation-Id": self.correlation_id,
            }
            self.requests_made += 1
            response = self._http.get(path, params=params, headers=headers)
            body[:] = [_decode_json(response)]
            return response

        try:
            return self._retrier.send(endpoint, attempt)
        except RetriesExhausted as exc:
            raise CloudCockpitError(
                redact(f"CloudCockpit {endpoint} failed: {exc}", self._tokens.secrets),
                endpoint=endpoint,
            ) from exc

    def _hint(self, status: int, outcome: Outcome) -> str | None:
        hints = [outcome.gave_up] if outcome.gave_up else []
        if status == 403:
            settings = self._settings
            if settings.reseller_id:
                context = (
                    f"the reseller context (CLOUDCOCKPIT_RESELLER_ID={settings.reseller_id}) "
                    "must have a relation with this customer, and the API Access must be the "
                    "reseller's or its CSP's"
                )
            else:
                context = (
                    "the CSP context (no CLOUDCOCKPIT_RESELLER_ID) needs an API Access with the "
                    "csp role; a reseller's credentials need CLOUDCOCKPIT_RESELLER_ID"
                )
            hints.append(
                f"Access denied: check the tenant sent as X-Tenant ({settings.tenant!r}, "
                f"CLOUDCOCKPIT_TENANT) and {context}"
            )
        return "; ".join(hints) or None
