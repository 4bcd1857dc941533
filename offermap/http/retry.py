"""The one retry policy of both API clients, run by tenacity.

- What is retried: a `TransientError` raised by one attempt. Each client decides which of its
  API's answers are transient; nothing else is ever retried.
- How long to wait: the API's `Retry-After` when it gave one (honoured exactly: the server said
  when); otherwise exponential backoff with jitter, between half and all of `base * 2**n`
  (capped at `max_delay`), with a longer base when the API pushed back (`RateLimitedError`).
- When to stop: after `max_retries` retries, or as soon as the next wait would take the time
  spent *waiting* on this one request past `budget_seconds`. The budget counts only the waits
  between attempts, not the requests themselves (each bounded by the client's timeout) nor
  waits for the hourly request budget or a concurrency slot; so one request gives up after at
  most `budget_seconds + (max_retries + 1) * timeout`. It is counted from the waits asked for,
  not read from a clock, so it is the same under an injected clock and a loaded machine.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import tenacity

from offermap.http.errors import RateLimitedError, TransientError

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry one request.

    Attributes:
        max_retries: retries after the first attempt.
        budget_seconds: the most time spent waiting between the attempts of one request.
        base_delay: first backoff after a server error or a lost connection.
        throttle_delay: first backoff when the API pushed back without a Retry-After.
        max_delay: the longest backoff (a Retry-After may ask for longer).
    """

    max_retries: int
    budget_seconds: float
    base_delay: float = 0.5
    throttle_delay: float = 2.0
    max_delay: float = 60.0

    def delay(self, retry_index: int, error: TransientError, rng: random.Random) -> float:
        """Seconds to wait before retry number `retry_index + 1` after `error`.

        Jitter spreads apart the clients (or threads) that failed together.
        """
        if error.retry_after is not None:
            return error.retry_after
        base = self.throttle_delay if isinstance(error, RateLimitedError) else self.base_delay
        ceiling = min(self.max_delay, base * 2.0**retry_index)
        return rng.uniform(ceiling / 2.0, ceiling)


def _plural(count: int) -> str:
    return f"{count} attempt" if count == 1 else f"{count} attempts"


class Retrier:
    """Runs attempts of a request under a `RetryPolicy`, counting the retries it makes.

    Safe to share between threads: each `call` has its own retry state.

    Args:
        policy: the limits.
        sleep: how to wait (tests pass a fake that advances a fake clock).
        rng: the jitter source.
        logger: where each retry is announced (a warning naming the error, redacted).
    """

    def __init__(
        self,
        policy: RetryPolicy,
        *,
        sleep: Callable[[float], None],
        rng: random.Random,
        logger: logging.Logger,
    ) -> None:
        self.policy = policy
        self._sleep = sleep
        self._rng = rng
        self._logger = logger
        self._lock = threading.Lock()
        self._retries = 0

    @property
    def retries_made(self) -> int:
        """Retries made so far by every call of this retrier."""
        with self._lock:
            return self._retries

    def call(self, attempt: Callable[[], T], what: str) -> T:
        """Run `attempt` until it returns, raises a non-transient error, or the policy stops.

        Args:
            attempt: sends the request once; returns the answer or raises an `ApiError`.
            what: names the request in the retry warnings, e.g. "Autotask Services POST ...".

        Raises:
            TransientError: the last failure, its text ending with why retrying stopped.
            ApiError: any other failure of an attempt, at once.
        """
        policy = self.policy
        stopped: list[str] = []

        def error_of(state: tenacity.RetryCallState) -> TransientError:
            assert state.outcome is not None
            exc = state.outcome.exception()
            assert isinstance(exc, TransientError)
            return exc

        def retry(state: tenacity.RetryCallState) -> bool:
            assert state.outcome is not None
            exc = state.outcome.exception()
            # Already retried by an inner loop (a token fetch): do not multiply the retries.
            return isinstance(exc, TransientError) and not exc.retries_exhausted

        def wait(state: tenacity.RetryCallState) -> float:
            return policy.delay(state.attempt_number - 1, error_of(state), self._rng)

        def stop(state: tenacity.RetryCallState) -> bool:
            attempts = state.attempt_number
            if attempts - 1 >= policy.max_retries:
                stopped.append(
                    f"gave up after {_plural(attempts)} (max retries {policy.max_retries})"
                )
                return True
            upcoming = state.upcoming_sleep
            if state.idle_for + upcoming > policy.budget_seconds:
                asked = " (Retry-After)" if error_of(state).retry_after is not None else ""
                stopped.append(
                    f"gave up after {_plural(attempts)}: waiting {upcoming:.1f}s{asked} would "
                    f"pass the retry budget of {policy.budget_seconds:.0f}s"
                )
                return True
            return False

        def announce(state: tenacity.RetryCallState) -> None:
            with self._lock:
                self._retries += 1
            error = str(error_of(state))
            # Most errors already start with what failed: name it once.
            said = error if error.startswith(what) else f"{what}: {error}"
            self._logger.warning(
                "%s; retry %d of %d in %.1fs",
                said,
                state.attempt_number,
                policy.max_retries,
                state.upcoming_sleep,
            )

        retrying = tenacity.Retrying(
            sleep=self._sleep,
            stop=stop,
            wait=wait,
            retry=retry,
            before_sleep=announce,
            reraise=True,
        )
        try:
            return retrying(attempt)
        except TransientError as exc:
            if not stopped:
                raise
            raise exc.with_note(stopped[-1], exhausted=True) from None
