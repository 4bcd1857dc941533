"""Progress of long extractions, reported through the task run's logger."""

from __future__ import annotations

import time
from collections.abc import Callable

from prefect.logging import get_run_logger

# Enough to see a long extraction move without flooding the log.
_MIN_SECONDS_BETWEEN_LINES = 2.0


def page_logger(what: str) -> Callable[[int, int | None], None]:
    """A callback for the library's `on_page` that logs "what: n of total" now and then."""
    logger = get_run_logger()
    last = 0.0

    def report(done: int, total: int | None) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last >= _MIN_SECONDS_BETWEEN_LINES or (total is not None and done >= total):
            last = now
            logger.info("%s: %d of %s", what, done, total if total is not None else "?")

    return report
