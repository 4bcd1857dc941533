"""Sends one Autotask request: auth headers, rate-limit hook, thread cap, pacing, retries.

Retrying is the HTTP core's one policy (`offermap.http.Retrier`); this module only turns each
Autotask answer into a reply or an error of the right kind (see `classify`).
"""

from __future__ import annotations

import json
import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from offermap.autotask.classify import Verdict, classify
from offermap.autotask.errors import (
    AutotaskAuthError,
    AutotaskError,
    AutotaskFatalError,
    AutotaskRateLimitedError,
    AutotaskTransientError,
    response_messages,
)
from offermap.autotask.limits import PacingPolicy, TenantLimits
from offermap.autotask.models import ThresholdInfo
from offermap.http import (
    Retrier,
    RetryPolicy,
    describe_transport,
    is_transient_transport,
    parse_retry_after,
    unsendable_header,
)

logger = logging.getLogger(__name__)

# Never wait more than one hourly window in a row for the budget; then let Autotask decide.
_MAX_PACING_WAIT = 3600.0
# Which setting feeds each auth header, for the message when its value cannot be sent.
_HEADER_SETTING = {
    "ApiIntegrationCode": "AUTOTASK_INTEGRATION_CODE",
    "UserName": "AUTOTASK_USERNAME",
    "Secret": "AUTOTASK_SECRET",
}

BeforeRequest = Callable[[], None]
"""Called before every request the client sends (retries included), e.g. to take a slot of a
rate limit shared with other processes; it may block until the request may go."""


@dataclass(frozen=True)
class Credentials:
    """The three Autotask auth values; the repr never shows the secret or the code."""

    username: str
    secret: str
    integration_code: str

    def __repr__(self) -> str:
        return f"Credentials(username={self.username!r})"

    def headers(self) -> dict[str, str]:
        """The auth headers Autotask expects on every call except ZoneInformation."""
        return {
            "ApiIntegrationCode": self.integration_code,
            "UserName": self.username,
            "Secret": self.secret,
        }


@dataclass(frozen=True)
class Reply:
    """A successful answer: its status and its JSON body, parsed once."""

    status: int
    payload: Any


@dataclass(frozen=True)
class Call:
    """What a request is for: the entity (endpoint), and which limits apply to it."""

    entity: str
    auth: bool = True
    limited: bool = True  # counts toward the thread cap and the hourly budget
    paced: bool = True  # may wait for the hourly budget first (not the threshold read itself)


class Requester:
    """Sends requests for one client under the tenant's shared limits.

    Args:
        http: the httpx client (timeouts set, redirects off).
        credentials: the auth values.
        limits: the process-wide limits of this user and integration code.
        retry: the retry policy.
        pacing: the hourly-budget policy.
        hourly_budget: requests an hour offermap may spend.
        threshold_url: gives the ThresholdInformation URL (resolving the zone if needed).
        sleep, clock, rng: injectable for tests.
        on_unauthorized: called on a 401 (the zone may have moved).
        before_request: called before every request sent (see `BeforeRequest`).
    """

    def __init__(
        self,
        http: httpx.Client,
        credentials: Credentials,
        limits: TenantLimits,
        retry: RetryPolicy,
        pacing: PacingPolicy,
        hourly_budget: int,
        threshold_url: Callable[[], str],
        sleep: Callable[[float], None],
        clock: Callable[[], float],
        rng: random.Random,
        on_unauthorized: Callable[[], None],
        before_request: BeforeRequest | None = None,
    ) -> None:
        self._http = http
        self._credentials = credentials
        self._limits = limits
        self._retrier = Retrier(retry, sleep=sleep, rng=rng, logger=logger)
        self._pacing = pacing
        self._hourly_budget = hourly_budget
        self._threshold_url = threshold_url
        self._sleep = sleep
        self._clock = clock
        self._on_unauthorized = on_unauthorized
        self._before_request = before_request
        self._count_lock = threading.Lock()
        self._requests = 0

    @property
    def requests_made(self) -> int:
        """HTTP requests sent so far, retries and ThresholdInformation included."""
        with self._count_lock:
            return self._requests

    @property
    def _secrets(self) -> tuple[str, str]:
        return (self._credentials.secret, self._credentials.integration_code)

    def send(
        self,
        method: str,
        url: str,
        call: Call,
        *,
        json_body: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
    ) -> Reply:
        """Send a request, retrying transient failures; return the 2xx answer's JSON.

        A 2xx whose body is not JSON (cut short) is retried like a dropped connection: every
        Autotask answer is JSON, and this client only reads, so asking again is safe.

        Raises:
            AutotaskAuthError: 401, an invalid integration code, or an unknown zone user.
            AutotaskTransientError: retries exhausted on a failure that may pass later.
            AutotaskFatalError: any other refusal, or a header value that cannot be sent.
        """
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if call.auth:
            auth = self._credentials.headers()
            bad = unsendable_header(auth)
            if bad is not None:
                # Never the value: h11 would refuse it with the value in its message.
                raise AutotaskFatalError(
                    f"Autotask {call.entity}: the {bad} header cannot be sent, its value has "
                    f"control or non-ASCII characters: check {_HEADER_SETTING[bad]}",
                    entity=call.entity,
                )
            headers.update(auth)
        what = f"{method} {httpx.URL(url).path}"

        def attempt() -> Reply:
            if call.paced:
                self._pace()
            try:
                response = self._attempt(method, url, call, headers, json_body, params)
            except httpx.TransportError as exc:
                raise self._transport_error(exc, call, what) from None
            return self._judge(response, call, what)

        return self._retrier.call(attempt, f"Autotask {call.entity} {what}")

    def _transport_error(self, exc: httpx.TransportError, call: Call, what: str) -> AutotaskError:
        detail = describe_transport(exc, self._secrets)
        if not is_transient_transport(exc):
            return AutotaskFatalError(
                f"Autotask {call.entity} {what} could not be sent: {detail}", entity=call.entity
            )
        if isinstance(exc, httpx.ConnectError):
            return AutotaskTransientError(
                f"Autotask {call.entity} {what} could not connect: {detail}. Check the network, "
                "and AUTOTASK_API_URL or AUTOTASK_ZONE_LOOKUP_URL if you set them",
                entity=call.entity,
            )
        kind = "timed out" if isinstance(exc, httpx.TimeoutException) else "connection lost"
        return AutotaskTransientError(
            f"Autotask {call.entity} {what} {kind}: {detail}", entity=call.entity
        )

    def _judge(self, response: httpx.Response, call: Call, what: str) -> Reply:
        """The answer, or the error it means (raised; transient ones are retried)."""
        if response.is_success:
            try:
                payload = response.json()
            except (json.JSONDecodeError, UnicodeDecodeError):
                raise AutotaskTransientError(
                    f"Autotask {call.entity} {what} answered HTTP {response.status_code} with a "
                    "body that is not JSON (cut short)",
                    status=response.status_code,
                    entity=call.entity,
                ) from None
            if call.limited:
                self._limits.gate(call.entity).succeeded()
            return Reply(response.status_code, payload)
        messages = response_messages(response, self._secrets)
        verdict = classify(response, messages)
        if verdict is Verdict.THREADS and call.limited:
            self._back_off_threads(call.entity)
        raise self._error(response, call.entity, what, messages, verdict)

    def fetch_threshold(self) -> ThresholdInfo:
        """Read the tenant's hourly usage and remember it for pacing.

        Raises:
            AutotaskError: the call failed or the body is malformed.
        """
        call = Call("ThresholdInformation", paced=False)
        reply = self.send("GET", self._threshold_url(), call)
        try:
            info = ThresholdInfo.model_validate(reply.payload)
        except ValueError as exc:  # a ValidationError
            raise AutotaskFatalError(
                f"Autotask ThresholdInformation answered a malformed body ({type(exc).__name__})",
                status=reply.status,
                entity="ThresholdInformation",
            ) from None
        self._limits.update_threshold(info)
        return info

    def _attempt(
        self,
        method: str,
        url: str,
        call: Call,
        headers: dict[str, str],
        json_body: dict[str, Any] | None,
        params: dict[str, str] | None,
    ) -> httpx.Response:
        # The shared rate-limit slot is taken before the request, and before the endpoint's
        # thread slot, so that waiting for it never holds one of Autotask's three threads.
        if self._before_request is not None:
            self._before_request()
        gate = self._limits.gate(call.entity) if call.limited else None
        if gate is not None:
            gate.acquire()
        try:
            with self._count_lock:
                self._requests += 1
            if call.limited:
                self._limits.record_request(self._clock())
            return self._http.request(method, url, headers=headers, json=json_body, params=params)
        finally:
            if gate is not None:
                gate.release()

    def _back_off_threads(self, entity: str) -> None:
        # Someone else (another process with our integration code) holds threads on this
        # endpoint: send fewer at once instead of only waiting and colliding again.
        limit = self._limits.gate(entity).refused()
        logger.warning(
            "Autotask %s: thread threshold exceeded; now at most %d concurrent request(s)",
            entity,
            limit,
        )

    def _pace(self) -> None:
        waited = 0.0
        while True:
            if self._limits.claim_threshold_check(
                self._pacing.check_every, self._pacing.check_first
            ):
                self._refresh_threshold()
            pace = self._limits.pace(self._clock(), self._hourly_budget, self._pacing)
            if pace.delay <= 0:
                return
            level = logging.WARNING if pace.exhausted else logging.DEBUG
            logger.log(
                level,
                "Autotask hourly budget %.0f%% used; pausing %.1fs before the next request",
                pace.usage * 100,
                pace.delay,
            )
            self._sleep(pace.delay)
            waited += pace.delay
            if not pace.exhausted or waited >= _MAX_PACING_WAIT:
                return
            if pace.tenant_exhausted:
                self._limits.mark_stale()

    def _refresh_threshold(self) -> None:
        try:
            self.fetch_threshold()
        except AutotaskAuthError:
            self._limits.update_threshold(None)
            raise
        except AutotaskError as exc:
            # Pacing is a courtesy: without fresh usage, keep counting our own requests.
            logger.warning("Autotask ThresholdInformation unavailable: %s", exc)
            self._limits.update_threshold(None)

    def _error(
        self,
        response: httpx.Response,
        entity: str,
        what: str,
        messages: list[str],
        verdict: Verdict,
    ) -> AutotaskError:
        status = response.status_code
        text = "; ".join(messages) or response.reason_phrase or "no message"
        detail = f"HTTP {status}: {text}"
        user = self._credentials.username
        fields: dict[str, Any] = {"status": status, "entity": entity, "messages": messages}
        if verdict is Verdict.BAD_USER:
            self._on_unauthorized()
            return AutotaskAuthError(
                f"Autotask rejected API user {user!r} on {entity} {what} ({detail}): "
                "check AUTOTASK_USERNAME and AUTOTASK_SECRET",
                **fields,
            )
        if verdict is Verdict.BAD_CODE:
            return AutotaskAuthError(
                f"Autotask rejected the integration code on {entity} {what} ({detail}): "
                "check AUTOTASK_INTEGRATION_CODE",
                **fields,
            )
        if verdict is Verdict.NO_ZONE:
            return AutotaskAuthError(
                f"Autotask could not find the zone of API user {user!r} ({detail}): "
                "check AUTOTASK_USERNAME",
                **fields,
            )
        message = f"Autotask {entity} {what} failed with {detail}"
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if verdict in (Verdict.THREADS, Verdict.RATE_LIMITED):
            return AutotaskRateLimitedError(
                message,
                retry_after=retry_after,
                **fields,
            )
        if verdict is Verdict.TRANSIENT:
            return AutotaskTransientError(
                message,
                retry_after=retry_after,
                **fields,
            )
        hint = " (this endpoint does not take that HTTP method)" if status == 405 else ""
        return AutotaskFatalError(f"{message}{hint}", **fields)
