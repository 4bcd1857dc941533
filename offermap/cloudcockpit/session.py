"""Authenticated, retried JSON GETs against the CloudCockpit API, with request counters.

Every call carries ``Authorization: Bearer``, ``X-Tenant`` and ``X-Correlation-Id``; a 401
renews the token and tries once more. Retrying is the HTTP core's one policy
(`offermap.http.Retrier`); this module only says which CloudCockpit answers are transient:
429, the 5xx a retry can cure, timeouts, dropped connections and JSON bodies cut short.
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
    CloudCockpitFatalError,
    CloudCockpitRateLimitedError,
    CloudCockpitTransientError,
    error_from_response,
)
from offermap.http import (
    Retrier,
    RetryPolicy,
    describe_transport,
    is_transient_status,
    is_transient_transport,
    parse_retry_after,
    unsendable_header,
)
from offermap.settings import CloudCockpitSettings

logger = logging.getLogger("offermap.cloudcockpit")

USER_AGENT = "offermap (CloudCockpit offer mapping)"
# Connecting should be quick; reading a 2,000-record page may take the full timeout.
CONNECT_TIMEOUT_SECONDS = 10.0
# CloudCockpit's backoff bases: it documents no limits, so one second for every fault.
BASE_DELAY_SECONDS = 1.0
# What to check when a header value cannot be sent (its value is never shown).
_HEADER_HINT = {
    "Authorization": "the token endpoint issued an access token that is not valid in a "
    "header: check CLOUDCOCKPIT_TOKEN_URL",
    "X-Tenant": "check CLOUDCOCKPIT_TENANT",
    "X-Correlation-Id": "pass a UUID as the correlation id",
}


class _Unauthorized(Exception):
    """A 401 from the API: the token is renewed once before it counts as a refusal."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__("401")
        self.response = response


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
            clock: a monotonic clock in seconds (token expiry).
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
            RetryPolicy(
                settings.max_retries,
                settings.retry_budget_seconds,
                base_delay=BASE_DELAY_SECONDS,
                throttle_delay=BASE_DELAY_SECONDS,
            ),
            sleep=sleep,
            rng=rng,
            logger=logger,
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
            CloudCockpitTransientError: retries exhausted on a failure that may pass later.
            CloudCockpitError: any other refusal or unusable answer.
        """
        endpoint = f"GET {path}"
        what = f"CloudCockpit {endpoint}"
        try:
            return self._retrier.call(lambda: self._get_once(endpoint, path, params), what)
        except _Unauthorized:
            # A token can be revoked or rotated before its stated expiry: renew once.
            logger.info("CloudCockpit %s: 401, renewing the token and retrying once", endpoint)
            self._tokens.invalidate()
        try:
            return self._retrier.call(lambda: self._get_once(endpoint, path, params), what)
        except _Unauthorized as again:
            self._tokens.invalidate()  # useless now; a later call starts with a new one
            raise error_from_response(
                endpoint,
                again.response,
                hint=(
                    "CloudCockpit refused a freshly issued token too: check that the API "
                    "Access behind CLOUDCOCKPIT_CLIENT_ID is enabled and that "
                    "CLOUDCOCKPIT_SCOPE and CLOUDCOCKPIT_TENANT belong to it"
                ),
                secrets=self._tokens.secrets,
                error_class=CloudCockpitAuthError,
            ) from None

    def _get_once(self, endpoint: str, path: str, params: Mapping[str, str]) -> Any:
        """One attempt: the decoded body, or the error it means (transient ones are retried)."""
        headers = {
            "Authorization": f"Bearer {self._tokens.bearer()}",
            "X-Tenant": self._settings.tenant,
            "X-Correlation-Id": self.correlation_id,
        }
        bad = unsendable_header(headers)
        if bad is not None:
            raise CloudCockpitFatalError(
                f"CloudCockpit {endpoint}: the {bad} header cannot be sent, its value has "
                f"control or non-ASCII characters; {_HEADER_HINT.get(bad, 'check the settings')}",
                endpoint=endpoint,
            )
        self.requests_made += 1
        try:
            response = self._http.get(path, params=params, headers=headers)
        except httpx.TransportError as exc:
            detail = describe_transport(exc, self._tokens.secrets)
            kind: type[CloudCockpitFatalError | CloudCockpitTransientError] = (
                CloudCockpitTransientError
                if is_transient_transport(exc)
                else CloudCockpitFatalError
            )
            hint = (
                ". Check CLOUDCOCKPIT_API_URL and the network"
                if isinstance(exc, httpx.ConnectError)
                else ""
            )
            raise kind(
                f"CloudCockpit {endpoint} failed: {detail}{hint}", endpoint=endpoint
            ) from None
        status = response.status_code
        if status == 401:
            raise _Unauthorized(response)
        if is_transient_status(status):
            raise error_from_response(
                endpoint,
                response,
                secrets=self._tokens.secrets,
                error_class=(
                    CloudCockpitRateLimitedError if status == 429 else CloudCockpitTransientError
                ),
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
        if not response.is_success:
            raise error_from_response(
                endpoint, response, hint=self._hint(status), secrets=self._tokens.secrets
            )
        return self._decode(endpoint, response)

    def _decode(self, endpoint: str, response: httpx.Response) -> Any:
        content_type = response.headers.get("Content-Type", "")
        try:
            return response.json()
        except ValueError:
            pass
        if "json" in content_type:
            # Announced as JSON but it does not decode: it was cut short on the way. This
            # client only reads, so asking again is safe.
            raise CloudCockpitTransientError(
                f"CloudCockpit {endpoint} answered {response.status_code} with a JSON body that "
                "is cut short or corrupt",
                endpoint=endpoint,
                status=response.status_code,
            )
        # Another content type (an HTML page at a wrong URL) reads the same every time.
        raise CloudCockpitFatalError(
            f"CloudCockpit {endpoint} answered {response.status_code} with a body that is "
            f"not JSON ({content_type or 'no content type'}); check CLOUDCOCKPIT_API_URL "
            f"({self._settings.api_url})",
            endpoint=endpoint,
            status=response.status_code,
        )

    def _hint(self, status: int) -> str | None:
        if status != 403:
            return None
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
        return (
            f"Access denied: check the tenant sent as X-Tenant ({settings.tenant!r}, "
            f"CLOUDCOCKPIT_TENANT) and {context}"
        )
