"""Which Autotask failures are worth retrying, and how long to wait before the next try."""

from __future__ import annotations

import random
from dataclasses import dataclass

import httpx

from offermap.autotask.errors import contains_any, has_errors_list
from offermap.retry_after import parse_retry_after

# Autotask's per-endpoint thread limit answers with this text, sometimes as a 500.
THREAD_THRESHOLD = ("thread threshold",)
# A 500 carrying one of these is a transient server fault despite the errors envelope.
_TRANSIENT_HINTS = ("timeout", "timed out", "temporarily", "try again", "deadlock", "unavailable")

# Failures with no response that are worth another try (the request never completed).
TRANSIENT_EXCEPTIONS: tuple[type[Exception], ...] = (
    httpx.TimeoutException,
    httpx.NetworkError,
    httpx.RemoteProtocolError,
)


@dataclass(frozen=True)
class Retry:
    """A decision to retry: why, whether Autotask is pushing back, and its Retry-After.

    `thread_limited` marks the per-endpoint thread threshold, which lowers the client's cap.
    """

    reason: str
    throttled: bool
    retry_after: float | None = None
    thread_limited: bool = False


def classify(response: httpx.Response, messages: list[str]) -> Retry | None:
    """Decide whether a non-2xx response is worth retrying.

    Autotask answers ordinary business and validation errors (unknown field, MaxRecords out
    of range, invalid integration code) as HTTP 500 with an `{"errors": [...]}` body; those
    fail the same way every time and are not retried. A 500 without that envelope, 502-504,
    429 and the thread-threshold message are.

    Args:
        response: the response, with a non-2xx status.
        messages: Autotask's messages read from it.

    Returns:
        A `Retry`, or None when the failure is final.
    """
    status = response.status_code
    if status == 401:
        return None
    retry_after = parse_retry_after(response.headers.get("Retry-After"))
    if contains_any(messages, THREAD_THRESHOLD):
        return Retry(
            "thread threshold exceeded",
            throttled=True,
            retry_after=retry_after,
            thread_limited=True,
        )
    if status == 429:
        return Retry("rate limited", throttled=True, retry_after=retry_after)
    if status < 500 or status == 501:
        return None
    if has_errors_list(response) and not contains_any(messages, _TRANSIENT_HINTS):
        return None
    return Retry("server error", throttled=False, retry_after=retry_after)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry one request.

    Attributes:
        max_retries: retries after the first attempt.
        budget_seconds: the most time spent waiting between the attempts of one request.
        base_delay: first backoff for server errors and dropped connections.
        throttle_delay: first backoff when Autotask pushes back without a Retry-After.
        max_delay: the longest single backoff (a Retry-After may ask for longer).
    """

    max_retries: int
    budget_seconds: float
    base_delay: float = 0.5
    throttle_delay: float = 2.0
    max_delay: float = 60.0

    def delay(self, retry_number: int, decision: Retry, rng: random.Random) -> float:
        """Seconds to wait before retry `retry_number` (0 for the first retry).

        Exponential backoff with jitter, so threads that failed together do not retry
        together; a Retry-After is honoured as the minimum wait.
        """
        base = self.throttle_delay if decision.throttled else self.base_delay
        ceiling = min(self.max_delay, base * 2.0**retry_number)
        backoff = rng.uniform(ceiling / 2.0, ceiling)
        if decision.retry_after is not None:
            return decision.retry_after + rng.uniform(0.0, self.base_delay)
        return backoff
