"""Sends one Autotask request: auth headers, thread cap, hourly pacing, retries, clear errors."""

from __future__ import annotations

import json
import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from offermap.autotask.errors import (
    AutotaskAuthError,
    AutotaskError,
    contains_any,
    redact,
    response_messages,
)
from offermap.autotask.limits import PacingPolicy, TenantLimits
from offermap.autotask.models import ThresholdInfo
from offermap.autotask.retry import TRANSIENT_EXCEPTIONS, Retry, RetryPolicy, classify

logger = logging.getLogger(__name__)

_BAD_CODE = ("IntegrationCode is invalid",)
_NO_ZONE = ("Zone information could not be determined",)
# Never wait more than one hourly window in a row for the budget; then let Autotask decide.
_MAX_PACING_WAIT = 3600.0


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
    ) -> None:
        self._http = http
        self._credentials = credentials
        self._limits = limits
        self._retry = retry
        self._pacing = pacing
        self._hourly_budget = hourly_budget
        self._threshold_url = threshold_url
        self._sleep = sleep
        self._clock = clock
        self._rng = rng
        self._on_unauthorized = on_unauthorized
        self._count_lock = threading.Lock()
        self._requests = 0

    @property
    def requests_made(self) -> int:
        """HTTP requests sent so far, retries and ThresholdInformation included."""
        with self._count_lock:
            return self._requests

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
            AutotaskError: any other refusal, or retries exhausted.
        """
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if call.auth:
            headers.update(self._credentials.headers())
        what = f"{method} {httpx.URL(url).path}"
        waited = 0.0
        retries = 0
        while True:
            if call.paced:
                self._pace()
            try:
                response = self._attempt(method, url, call, headers, json_body, params)
            except TRANSIENT_EXCEPTIONS as exc:
                kind = "timed out" if isinstance(exc, httpx.TimeoutException) else "connection lost"
                decision = Retry(kind, throttled=False)
                failure = AutotaskError(
                    self._redact(f"Autotask {call.entity} {what} {kind}: {type(exc).__name__}"),
                    entity=call.entity,
                )
            else:
                judged = self._judge(response, call, what)
                if isinstance(judged, Reply):
                    return judged
                failure, decision = judged
            if retries >= self._retry.max_retries:
                raise _gave_up(failure, f"gave up after {retries + 1} attempts")
            delay = self._retry.delay(retries, decision, self._rng)
            if waited + delay > self._retry.budget_seconds:
                raise _gave_up(
                    failure,
                    f"gave up after {retries + 1} attempts: waiting {delay:.1f}s more would "
                    f"pass the retry budget of {self._retry.budget_seconds:.0f}s",
                )
            logger.warning(
                "Autotask %s %s: %s (%s); retry %d of %d in %.1fs",
                call.entity,
                what,
                decision.reason,
                failure.status if failure.status is not None else "no response",
                retries + 1,
                self._retry.max_retries,
                delay,
            )
            self._sleep(delay)
            waited += delay
            retries += 1

    def _judge(
        self, response: httpx.Response, call: Call, what: str
    ) -> Reply | tuple[AutotaskError, Retry]:
        """The answer, or why it failed and how to retry it; raises when the failure is final."""
        if response.is_success:
            try:
                payload = response.json()
            except (json.JSONDecodeError, UnicodeDecodeError):
                failure = AutotaskError(
                    f"Autotask {call.entity} {what} answered HTTP {response.status_code} with a "
                    "body that is not JSON",
                    status=response.status_code,
                    entity=call.entity,
                )
                return failure, Retry("malformed JSON body", throttled=False)
            if call.limited:
                self._limits.gate(call.entity).succeeded()
            return Reply(response.status_code, payload)
        messages = [self._redact(m) for m in response_messages(response)]
        failure = self._error(response, call.entity, what, messages)
        retry = classify(response, messages)
        if retry is None:
            raise failure
        if retry.thread_limited and call.limited:
            self._back_off_threads(call.entity)
        return failure, retry

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
            raise AutotaskError(
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

    def _redact(self, text: str) -> str:
        return redact(text, (self._credentials.secret, self._credentials.integration_code))

    def _error(
        self, response: httpx.Response, entity: str, what: str, messages: list[str]
    ) -> AutotaskError:
        status = response.status_code
        text = "; ".join(messages) or response.reason_phrase or "no message"
        detail = f"HTTP {status}: {text}"
        user = self._credentials.username
        if status == 401:
            self._on_unauthorized()
            return AutotaskAuthError(
                f"Autotask rejected API user {user!r} on {entity} {what} ({detail}): "
                "check AUTOTASK_USERNAME and AUTOTASK_SECRET",
                status=status,
                entity=entity,
                messages=messages,
            )
        if contains_any(messages, _BAD_CODE):
            return AutotaskAuthError(
                f"Autotask rejected the integration code on {entity} {what} ({detail}): "
                "check AUTOTASK_INTEGRATION_CODE",
                status=status,
                entity=entity,
                messages=messages,
            )
        if contains_any(messages, _NO_ZONE):
            return AutotaskAuthError(
                f"Autotask could not find the zone of API user {user!r} ({detail}): "
                "check AUTOTASK_USERNAME",
                status=status,
                entity=entity,
                messages=messages,
            )
        hint = " (this endpoint does not take that HTTP method)" if status == 405 else ""
        return AutotaskError(
            f"Autotask {entity} {what} failed with {detail}{hint}",
            status=status,
            entity=entity,
            messages=messages,
        )


def _gave_up(failure: AutotaskError, why: str) -> AutotaskError:
    cls = type(failure)
    return cls(
        f"{failure} ({why})",
        status=failure.status,
        entity=failure.entity,
        messages=failure.messages,
    )
