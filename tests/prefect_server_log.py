"""The errors in a local Prefect server's log that a test of offermap should fail on."""

from __future__ import annotations

import re

# A record starts "21:33:54.668 | ERROR   | docket.dependencies - ..."; a traceback follows it.
_RECORD = re.compile(r"^\d\d:\d\d:\d\d\.\d{3} \| (?P<level>[A-Z]+)\s*\| (?P<logger>\S+) - ", re.M)


def _records(text: str) -> list[tuple[str, str, str]]:
    """(level, logger, whole text) of each record; text before the first is one record too."""
    starts = list(_RECORD.finditer(text))
    found = []
    if not starts or starts[0].start() > 0:
        found.append(("", "", text[: starts[0].start() if starts else len(text)]))
    ends = [match.start() for match in starts[1:]] + [len(text)] if starts else []
    for match, end in zip(starts, ends, strict=True):
        found.append((match["level"], match["logger"], text[match.start() : end]))
    return found


# The task-run recorder keeps the events it could not write and writes them again.
_ALL_KEPT = re.compile(r"Error flushing \d+ events \(\d+ to retry, 0 dropped\)")


def _prefects_own_lock(logger: str, record: str) -> bool:
    if "database is locked" not in record:
        return False
    if logger.startswith("docket."):
        return True
    return logger == "prefect.server.services.task_run_recorder" and bool(_ALL_KEPT.search(record))


def server_errors(text: str) -> list[str]:
    """The ERROR records and tracebacks of a Prefect server's log, less Prefect's own SQLite locks.

    On a loaded machine the server's background tasks can wait out SQLite's lock and log
    "database is locked": docket (marking work queues ready at a worker's poll) runs again at
    the next poll, and the task-run recorder keeps the events it could not write for a retry
    ("0 dropped"); no request of offermap's is involved (docs/notes/stack-pitfalls.md#p22).
    Every other error, a recorder that dropped events, and any other traceback count.
    """
    errors = []
    for level, logger, record in _records(text):
        if (level == "ERROR" or "Traceback" in record) and not _prefects_own_lock(logger, record):
            errors.append(record)
    return errors
