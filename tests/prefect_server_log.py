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


def server_errors(text: str) -> list[str]:
    """The ERROR records and tracebacks of a Prefect server's log, less Prefect's own SQLite locks.

    On a loaded machine the server's background tasks (docket: marking work queues ready at a
    worker's poll) can wait out SQLite's lock and log "database is locked"; they run again at
    the next poll, and no request of offermap's is involved (docs/notes/stack-pitfalls.md#p22).
    Every other error, and any traceback, counts.
    """
    errors = []
    for level, logger, record in _records(text):
        prefect_lock = logger.startswith("docket.") and "database is locked" in record
        if (level == "ERROR" or "Traceback" in record) and not prefect_lock:
            errors.append(record)
    return errors
