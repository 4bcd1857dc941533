"""Retries for CloudCockpit and Entra calls: 429, 5xx, timeouts and dropped connections.

Backoff is exponential with jitter and honours ``Retry-After``; every retry is bounded by a
count and by a time budget, and the clock, the sleep and the jitter source are injectable so
tests never wait.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import httpx

from offermap.retry_after import parse_retry_after

logger = logging.getLogger("offermap.cloudcockpit")

BASE_DELAY_SECONDS = 1.0
MAX_DELAY_SECONDS = 60.0


def is_retryable_status(status: int) -> bool:
    """Whether a response status is worth another attempt (429 and every 5xx).

    Args:
        status: the HTTP status code.

    Returns:
        True for 429 and 500 to 599; other 4xx never succeed by repetition.
    """
    return status == 429 or 500 <= status <= 599


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """Read a ``Retry-After`` header given in seconds or as an HTTP date (None when absent)."""
    return parse_retry_after(value, now=now)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry one call."""

    max_retries: int
    budget_seconds: float
    base_delay_seconds: float = BASE_DELAY_SECONDS
    max_delay_seconds: float = MAX_DELAY_SECONDS

    def backoff(self, retry_number: int, rng: random.Random) -> float:
        """The delay before retry ``retry_number`` (from 1), without a server hint.

        Args:
            retry_number: which retry this is, starting at 1.
            rng: the jitter source.

        Returns:
            A delay between half and all of ``base * 2**(n-1)``, capped at the maximum.
        """
        ceiling = min(self.max_delay_seconds, self.base_delay_seconds * 2.0 ** (retry_number - 1))
        # Half fixed, half random: spreads clients apart without ever retrying at once.
        return ceiling / 2 + rng.random() * ceiling / 2


@dataclass(frozen=True)
class Outcome:
    """The last response of a call after retries, and why retrying stopped if it did."""

    response: httpx.Response
    attempts: int
    gave_up: str | None = None


class RetriesExhausted(Exception):
    """No response came back (timeouts or dropped connections) within the retry limits."""

    def __init__(self, message: str, attempts: int) -> None:
        super().__init__(message)
        self.attempts = attempts


class Retrier:
    """Sends one request again on retryable faults, counting every retry it makes."""

    def __init__(
        self,
        policy: RetryPolicy,
        *,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
        rng: random.Random,
    ) -> None:
        """Create a retrier.

        Args:
            policy: the retry limits.
            clock: a monotonic clock in seconds, for the budget.
            sleep: waits the given seconds.
            rng: the jitter source.
        """
        self.policy = policy
        self._clock = clock
        self._sleep = sleep
        self._rng = rng
        self.retries_made = 0

    def send(self, endpoint: str, attempt: Callable[[], httpx.Response]) -> Outcome:
        """Call ``attempt`` until it returns a non-retryable response or the limits are hit.

        Args:
            endpoint: method and path, for logs and messages.
            attempt: sends the request once; called again for each retry.

        Returns:
            The final response; ``gave_up`` says why retrying stopped if it is retryable.

        Raises:
            RetriesExhausted: the last attempt raised a timeout or transport error.
        """
        started = self._clock()
        attempts = 0
        while True:
            attempts += 1
            response: httpx.Response | None = None
            hint: float | None = None
            try:
                response = attempt()
            except httpx.TransportError as exc:
                # TransportError covers timeouts, refused and dropped connections, and
                # protocol errors from a connection closed mid-response.
                fault = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                failure: BaseException | None = exc
            else:
                if not is_retryable_status(response.status_code):
                    return Outcome(response, attempts)
                fault = f"HTTP {response.status_code}"
                hint = retry_after_seconds(response.headers.get("Retry-After"))
                failure = None

            retry_number = attempts
            stop: str | None = None
            delay = 0.0
            if retry_number > self.policy.max_retries:
                stop = f"gave up after {attempts} attempts (max retries {self.policy.max_retries})"
            else:
                delay = hint if hint is not None else self.policy.backoff(retry_number, self._rng)
                elapsed = self._clock() - started
                if elapsed + delay > self.policy.budget_seconds:
                    asked = " (Retry-After)" if hint is not None else ""
                    stop = (
                        f"gave up after {attempts} attempts: waiting {delay:.1f}s{asked} would "
                        f"pass the retry budget of {self.policy.budget_seconds:.0f}s"
                    )
            if stop is not None:
                if response is not None:
                    return Outcome(response, attempts, gave_up=f"{fault}; {stop}")
                raise RetriesExhausted(f"{fault}; {stop}", attempts) from failure

            if response is not None:
                response.close()
            logger.warning(
                "CloudCockpit %s: %s, retry %d of %d in %.1fs",
                endpoint,
                fault,
                retry_number,
                self.policy.max_retries,
                delay,
            )
            self.retries_made += 1
            self._sleep(delay)
