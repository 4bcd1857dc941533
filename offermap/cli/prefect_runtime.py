"""What `offermap sync`, `apply` and `demo` need around the flows they run in their own process.

- The folders: Prefect's home (its database lives there) and the log folder are created
  first, so that deleting `.offermap/` is a safe reset.
- Quiet by default: Prefect's own log lines (a temporary server, task states, tracebacks of a
  failed run) go to a log file; the command line prints progress and one line per outcome.
  What a person needs while the run goes on still reaches the terminal: that the run waits
  for a database another process holds, or for another run of the connection.
  `--verbose` shows everything as it happens, as before.
- The Prefect API: the configured server, or a temporary one that ends with the command
  (see `offermap.cli.prefect_server`).

Prefect is imported only after the home folder exists: it creates only the last level itself.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from logging.handlers import RotatingFileHandler
from pathlib import Path

from offermap.cli.prefect_server import command_api, prepare_prefect_home

# Enough history to read back the last few runs, bounded so a log never fills a disk.
_LOG_BYTES = 5_000_000
_LOG_BACKUPS = 3
_FORMAT = "%(asctime)s | %(levelname)-7s | %(name)s - %(message)s"
_FLOW_RUN_FORMAT = "%(asctime)s | %(levelname)-7s | Flow run %(flow_run_name)r - %(message)s"
_TASK_RUN_FORMAT = "%(asctime)s | %(levelname)-7s | Task run %(task_run_name)r - %(message)s"


def log_dir(db_path: str | Path) -> Path:
    """Where the command's logs go: `logs/` next to the DuckDB file (`.offermap/logs/`)."""
    return Path(db_path).expanduser().resolve().parent / "logs"


def _writes_to_terminal(handler: logging.Handler) -> bool:
    stream = getattr(handler, "stream", None)
    return isinstance(handler, logging.StreamHandler) and stream in (
        sys.stderr,
        sys.stdout,
        sys.__stderr__,
        sys.__stdout__,
    )


# Prefect's line when a task will run again (prefect/task_engine.py).
_TASK_RETRY = "Task run failed with %s: %r - Retry %s/%s will start %s"


def _is_task_retry(record: logging.LogRecord) -> bool:
    return record.msg == _TASK_RETRY and isinstance(record.args, tuple) and len(record.args) == 5


class _WaitingNotices(logging.Filter):
    """Lets through what a person at the terminal needs while the run goes on, so that a wait
    is never silent: the store's warnings (another process holds the database, and this run
    waits for it), an API request being retried, and a step that will run again. A failure is
    not let through: the command ends with it, in one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("offermap.store"):
            return record.levelno >= logging.WARNING
        if record.name.startswith("offermap.") and record.levelno == logging.WARNING:
            return "; retry %d of %d" in str(record.msg)
        return _is_task_retry(record)


class _ForPeople(logging.Formatter):
    """A record's message on one line; a step's retry said in words, not as Prefect's repr."""

    def format(self, record: logging.LogRecord) -> str:
        if _is_task_retry(record):
            assert isinstance(record.args, tuple)
            _, failure, attempt, attempts, when = record.args
            step = getattr(record, "task_name", None) or "a step"
            line = f"{step} failed: {failure}; it runs again {when} (retry {attempt} of {attempts})"
        else:
            line = record.getMessage()
        return " ".join(line.split())


class _Say(logging.Handler):
    """Hands each record's message, one line, to a function (the command line's printer)."""

    def __init__(self, say: Callable[[str], None]) -> None:
        super().__init__()
        self._say = say

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._say(self.format(record))
        except Exception:
            self.handleError(record)


@contextmanager
def _logs_to_file(log: Path, say: Callable[[str], None] | None) -> Iterator[None]:
    """Send every terminal-bound log line to `log`; keep the waiting notices on the terminal."""
    log.parent.mkdir(parents=True, exist_ok=True)
    from prefect.logging.formatters import PrefectFormatter

    to_file = RotatingFileHandler(log, maxBytes=_LOG_BYTES, backupCount=_LOG_BACKUPS)
    # Prefect's formatter names the flow or task run a line comes from.
    to_file.setFormatter(
        PrefectFormatter(
            format=_FORMAT, flow_run_fmt=_FLOW_RUN_FORMAT, task_run_fmt=_TASK_RUN_FORMAT
        )
    )
    loggers = [logging.getLogger()] + [
        logger
        for logger in logging.Logger.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]
    swapped: list[tuple[logging.Logger, logging.Handler]] = []
    for logger in loggers:
        for handler in list(logger.handlers):
            if _writes_to_terminal(handler):
                logger.removeHandler(handler)
                logger.addHandler(to_file)
                swapped.append((logger, handler))
    terminal: logging.Handler = _Say(say) if say else logging.StreamHandler(sys.stderr)
    terminal.addFilter(_WaitingNotices())
    terminal.setFormatter(_ForPeople())
    root = logging.getLogger()
    root.addHandler(terminal)
    try:
        yield
    finally:
        root.removeHandler(terminal)
        for logger, handler in swapped:
            logger.removeHandler(to_file)
            logger.addHandler(handler)
        to_file.close()


@contextmanager
def command_runtime(
    command: str,
    db_path: str | Path,
    *,
    verbose: bool = False,
    say: Callable[[str], None] | None = None,
    announce: Callable[[str], None] | None = None,
) -> Iterator[Path]:
    """Everything a command needs to run flows in its own process; yields its log file.

    Call it before anything imports Prefect (the home folder must exist first).

    Args:
        command: names the log file, e.g. "sync" for `.offermap/logs/sync.log`.
        verbose: print Prefect's log lines as they happen instead of writing them to the file.
        say: prints one line for a person (default: plain stderr); the store's warnings (a
            wait for the database) go through it when not verbose.
        announce: told when a temporary Prefect server starts and is up.

    Raises:
        offermap.cli.prefect_server.LocalServerError: a temporary Prefect server was needed and did
            not start.
    """
    prepare_prefect_home()
    log = log_dir(db_path) / f"{command}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    # The CLI's own run: no telemetry, whatever the environment says.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    from prefect.logging.configuration import ensure_logging_setup

    ensure_logging_setup()  # Prefect's handlers first, so that they can be redirected
    with ExitStack() as stack:
        if not verbose:
            stack.enter_context(_logs_to_file(log, say))
        stack.enter_context(command_api(log.with_name("prefect-server.log"), announce))
        yield log
