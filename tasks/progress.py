"""Progress of long steps: logged for the Prefect UI, and passed to listeners (the CLI bars)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from prefect.logging import get_run_logger

# Enough to see a long extraction move without flooding the log.
_MIN_SECONDS_BETWEEN_LINES = 2.0

Listener = Callable[[str, int, int | None], None]
"""Called with (what, done, total or None) from whichever thread runs the step."""

_listeners: list[Listener] = []
_hearers: list[Callable[[str], None]] = []
_lock = threading.Lock()


@contextmanager
def listening(
    listener: Listener, *, messages: Callable[[str], None] | None = None
) -> Iterator[None]:
    """Pass every progress report of this process to `listener` while the block runs.

    Module-level rather than a flow parameter: a callback is not a parameter Prefect can store,
    and task threads do not share the caller's context.

    Args:
        messages: also called with each line a run has to tell a person while it runs (that it
            waits for another run, say), so that the command line prints it.
    """
    with _lock:
        _listeners.append(listener)
        if messages is not None:
            _hearers.append(messages)
    try:
        yield
    finally:
        with _lock:
            _listeners.remove(listener)
            if messages is not None:
                _hearers.remove(messages)


def tell(message: str) -> None:
    """Pass a line for a person to every `messages` listener (the run's log has it already)."""
    with _lock:
        hearers = list(_hearers)
    for hear in hearers:
        hear(message)


def notify(what: str, done: int, total: int | None) -> None:
    """Tell every listener how far `what` is."""
    with _lock:
        listeners = list(_listeners)
    for listener in listeners:
        listener(what, done, total)


@contextmanager
def stage(what: str) -> Iterator[None]:
    """Report a step without a natural count as 0 of 1 when it starts and 1 of 1 when it ends."""
    notify(what, 0, 1)
    yield
    notify(what, 1, 1)


def page_reporter(
    what: str, *, on_page: Callable[[], None] | None = None
) -> Callable[[int, int | None], None]:
    """A callback for the library's `progress`: logs "what: n of total" now and then, notifies.

    Args:
        on_page: called once per page before anything else, e.g. to take a rate-limit slot
            for the request that fetches the next page.
    """
    logger = get_run_logger()
    last = 0.0

    def report(done: int, total: int | None) -> None:
        nonlocal last
        if on_page is not None:
            on_page()
        notify(what, done, total)
        now = time.monotonic()
        if now - last >= _MIN_SECONDS_BETWEEN_LINES or (total is not None and done >= total):
            last = now
            logger.info("%s: %d of %s", what, done, total if total is not None else "?")

    return report
