"""Opening the DuckDB file: short-lived writers, read-only readers, transactions, SQL files."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from offermap.errors import OffermapError
from offermap.store.migrations import migrate

log = logging.getLogger(__name__)

# Two threads of one process connecting to the same file at the same moment can race in
# DuckDB's instance cache ("Unique file handle conflict"); connecting is quick, so one at a time.
_CONNECT_LOCK = threading.Lock()

if TYPE_CHECKING:  # pandas costs a noticeable import time; only callers that have a frame need it
    import pandas as pd

# How long a writer waits for another process's write lock before giving up. DuckDB fails
# at once when the file is locked; waiting a little turns two overlapping runs into a queue.
DEFAULT_LOCK_TIMEOUT_SECONDS = 30.0
_LOCK_POLL_SECONDS = 0.2


class StoreError(OffermapError):
    """The database could not be used; the message says why and what to do."""


class StoreBusyError(StoreError):
    """Another process holds the database's write lock for longer than we were willing to wait."""


@cache
def sql(name: str) -> str:
    """The text of `offermap/store/sql/<name>.sql`, read once per process."""
    return resources.files("offermap.store").joinpath("sql", f"{name}.sql").read_text("utf-8")


def _connect_waiting(path: Path, read_only: bool, lock_timeout: float) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + lock_timeout
    told = False
    while True:
        try:
            with _CONNECT_LOCK:
                return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise StoreError(f"cannot open the offermap database {path}: {exc}") from exc
            if not told:
                # Say so at once: a silent wait looks like a hang.
                log.warning(
                    "the offermap database %s is in use by another process; waiting up to "
                    "%g s for it",
                    path,
                    lock_timeout,
                )
                told = True
            if time.monotonic() >= deadline:
                raise StoreBusyError(
                    f"the offermap database {path} is in use by another process "
                    f"(waited {lock_timeout:g} s for it). Only one writer at a time is possible: "
                    "wait for the other sync/apply to finish, or close the notebook that holds it."
                ) from exc
            time.sleep(_LOCK_POLL_SECONDS)


@contextmanager
def open_store(
    path: Path | str,
    *,
    read_only: bool = False,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT_SECONDS,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the database for one operation, and close it afterwards.

    A writer creates the file and brings its schema up to date; a reader needs an existing,
    migrated file and never takes the write lock, so notebooks do not block flows.

    Raises:
        StoreError: the file is missing (for a reader) or unusable.
        StoreBusyError: another process kept the write lock for longer than `lock_timeout`.
    """
    path = Path(path)
    if read_only and not path.exists():
        raise StoreError(
            f"there is no offermap database at {path} yet: run `offermap sync` (or `make demo`) "
            "first, or point OFFERMAP_DB at an existing file"
        )
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = _connect_waiting(path, read_only, lock_timeout)
    try:
        if not read_only:
            migrate(con)
        yield con
    finally:
        con.close()


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Run the block in one transaction: all of it is committed, or none of it.

    DuckDB accepts COMMIT on an aborted transaction and silently rolls back, so any error
    inside the block rolls back explicitly and is re-raised instead of being committed away.
    """
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def run_script(
    con: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any] | None = None
) -> None:
    """Run every statement of `sql/<name>.sql` in order, binding the named parameters each uses.

    Raises:
        KeyError: a statement uses a parameter `params` lacks; nothing of the file has run.
    """
    execute_script(con, sql(name), params, name=f"{name}.sql")


def execute_script(
    con: duckdb.DuckDBPyConnection,
    script: str,
    params: dict[str, Any] | None = None,
    *,
    name: str = "the script",
) -> None:
    """Run every statement of `script` in order, binding the named parameters each one uses.

    DuckDB binds parameters only for a single statement, so the script is split into
    statements by DuckDB's own parser: quotes, dollar quotes and comments are read as DuckDB
    reads them (a `--` or `;` inside a string is text, a `$name` inside a comment is no
    parameter). Each statement gets just the `$names` it uses, as DuckDB refuses any other.

    Raises:
        KeyError: a statement uses a parameter `params` lacks; nothing of the script has run.
    """
    params = params or {}
    statements = con.extract_statements(script)
    missing = {key for s in statements for key in s.named_parameters} - set(params)
    if missing:
        raise KeyError(f"{name} needs parameters {sorted(missing)}")
    for statement in statements:
        con.execute(statement, {key: params[key] for key in statement.named_parameters})


@contextmanager
def registered(
    con: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Make `frame` readable as the view `name` for the block, for set-based SQL files.

    One INSERT or UPDATE over a registered frame replaces thousands of single-row statements,
    each of which costs DuckDB a fraction of a millisecond however small it is.
    """
    con.register(name, frame)
    try:
        yield con
    except BaseException:
        # A failed statement aborts the open transaction, and DuckDB then refuses even the
        # unregister; the ROLLBACK that follows drops the view, and the error that aborted
        # the transaction (a broken R3/R4 constraint, say) is the one to report.
        with suppress(duckdb.TransactionException):
            con.unregister(name)
        raise
    con.unregister(name)


def fetch_dicts(
    con: duckdb.DuckDBPyConnection, query: str, params: list[Any] | dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """Run a query with bound parameters and return every row as a dict (fully fetched)."""
    cursor = con.execute(query, params or [])
    columns = [d[0] for d in cursor.description or []]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
