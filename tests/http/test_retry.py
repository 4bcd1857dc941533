"""The one retry policy: what is retried, how long it waits, when it stops and what it says."""

from __future__ import annotations

import logging
import random

import pytest

from offermap.http import (
    AuthError,
    FatalApiError,
    RateLimitedError,
    Retrier,
    RetryPolicy,
    TransientError,
    is_transient,
)

LOG = logging.getLogger("tests.http")


class Clock:
    """A fake clock that moves when the retrier sleeps or when an attempt takes time."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def retrier(clock: Clock, **policy: float) -> Retrier:
    limits = {"max_retries": 5, "budget_seconds": 300.0, **policy}
    return Retrier(
        RetryPolicy(**limits),  # type: ignore[arg-type]
        sleep=clock.sleep,
        rng=random.Random(3),
        logger=LOG,
    )


def failing(errors: list[Exception], result: str = "ok"):
    """An attempt that raises each error in turn, then returns `result`; counts its calls."""
    calls = {"n": 0}

    def attempt() -> str:
        calls["n"] += 1
        if errors:
            raise errors.pop(0)
        return result

    return attempt, calls


def test_transient_errors_are_retried_until_an_attempt_succeeds():
    clock = Clock()
    retry = retrier(clock)
    attempt, calls = failing([TransientError("a"), TransientError("b")])

    assert retry.call(attempt, "X") == "ok"
    assert calls["n"] == 3 and retry.retries_made == 2 and len(clock.sleeps) == 2


@pytest.mark.parametrize("error", [AuthError("no"), FatalApiError("no"), ValueError("bug")])
def test_anything_but_a_transient_error_is_raised_at_once(error):
    clock = Clock()
    attempt, calls = failing([error])

    with pytest.raises(type(error)):
        retrier(clock).call(attempt, "X")
    assert calls["n"] == 1 and clock.sleeps == []


def test_gives_up_after_max_retries_saying_so_on_one_line():
    clock = Clock()
    attempt, calls = failing(
        [TransientError(f"HTTP 503 number {n}\nsecond line") for n in range(9)]
    )

    with pytest.raises(TransientError) as caught:
        retrier(clock, max_retries=2).call(attempt, "X")

    text = str(caught.value)
    assert "number 2" in text and text.endswith("(gave up after 3 attempts (max retries 2))")
    assert "\n" not in text
    assert caught.value.retries_exhausted and is_transient(caught.value)
    assert calls["n"] == 3


def test_retry_after_is_honoured_exactly_and_pushback_waits_longer():
    clock = Clock()
    attempt, _ = failing(
        [
            RateLimitedError("429", retry_after=7.0),
            TransientError("503"),
            RateLimitedError("thread threshold"),
        ]
    )

    retrier(clock, base_delay=0.5, throttle_delay=2.0).call(attempt, "X")

    after, server_error, pushback = clock.sleeps
    assert after == 7.0
    assert 0.5 <= server_error <= 1.0  # second retry: half to all of 0.5 * 2
    assert 4.0 <= pushback <= 8.0  # third retry from the longer base: 2.0 * 4


def test_the_budget_counts_waiting_not_the_time_the_requests_took():
    clock = Clock()
    errors = [TransientError("slow 503", retry_after=40.0) for _ in range(9)]

    def attempt() -> str:
        clock.now += 1000.0  # a request that took long (bounded by the client's timeout)
        raise errors.pop(0)

    with pytest.raises(TransientError) as caught:
        retrier(clock, max_retries=10, budget_seconds=100).call(attempt, "X")

    # 40 + 40 fit in 100 s of waiting; a third wait would not, whatever the clock says.
    assert clock.sleeps == [40.0, 40.0]
    assert "gave up after 3 attempts: waiting 40.0s (Retry-After) would pass the retry " in str(
        caught.value
    )


def test_an_error_an_inner_loop_already_retried_is_not_retried_again():
    clock = Clock()
    inner = retrier(clock, max_retries=1)
    outer = retrier(clock, max_retries=3)
    token_attempt, token_calls = failing([TransientError(f"token 503 {n}") for n in range(9)])

    def api_attempt() -> str:
        return inner.call(token_attempt, "token")

    with pytest.raises(TransientError) as caught:
        outer.call(api_attempt, "api")

    assert token_calls["n"] == 2  # not 2 x 4
    assert "max retries 1" in str(caught.value)


def test_each_retry_is_announced_with_the_error(caplog):
    clock = Clock()
    attempt, _ = failing([TransientError("HTTP 502 from the gateway")])

    with caplog.at_level(logging.WARNING, logger="tests.http"):
        retrier(clock).call(attempt, "Autotask Services POST /query")

    assert (
        "Autotask Services POST /query: HTTP 502 from the gateway; retry 1 of 5 in" in caplog.text
    )


def test_is_transient_tells_orchestrators_what_to_retry():
    assert is_transient(TransientError("x")) and is_transient(RateLimitedError("x"))
    assert not is_transient(AuthError("x")) and not is_transient(FatalApiError("x"))
    assert not is_transient(ValueError("x")) and not is_transient(None)


def test_an_error_that_names_the_request_is_announced_without_naming_it_twice(caplog):
    clock = Clock()
    attempt, _ = failing([TransientError("Autotask Services POST /query timed out: ReadTimeout")])

    with caplog.at_level(logging.WARNING, logger="tests.http"):
        retrier(clock).call(attempt, "Autotask Services POST /query")

    assert "Autotask Services POST /query timed out: ReadTimeout; retry 1 of 5 in" in caplog.text
    assert "Autotask Services POST /query: Autotask" not in caplog.text
