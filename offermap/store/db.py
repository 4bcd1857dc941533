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
from offermap.store.migrations import SchemaState, available_migrations, inspect_schema, migrate

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


# The way out when the file offermap was pointed at cannot be its database.
_ELSEWHERE = "point --db (or OFFERMAP_DB) at an offermap database or at a new file"
_WRITABLE = "point --db (or OFFERMAP_DB) at a place offermap may write to"
# How DuckDB words a file it cannot read whole (cut short, or bytes changed underneath it).
_DAMAGE_SIGNS = ("could not read enough bytes", "corrupt database file", "checksum")
_DUCKDB_MAGIC = b"DUCK"  # bytes 8-11 of every DuckDB file


def _damaged(path: Path) -> StoreError:
    return StoreError(
        f"the offermap database {path} is damaged: DuckDB cannot read part of it (was it cut "
        "short by a copy or a full disk?); restore it from a backup, or move it aside and run "
        "`offermap sync` to start a new one (its mappings and audit trail stay in the moved file)"
    )


def _not_duckdb(path: Path) -> StoreError:
    return StoreError(
        f"{path} is not a DuckDB database (another program's file?) and offermap changed "
        f"nothing in it; {_ELSEWHERE}"
    )


def _disk_full(path: Path) -> StoreError:
    return StoreError(
        f"the disk holding the offermap database {path} is full, so the change in progress was "
        "rolled back and nothing of it was written; free some space, then run the command again"
    )


def _translated(path: Path, exc: duckdb.Error) -> StoreError | None:
    """The StoreError a DuckDB error about the file itself stands for; None for any other."""
    text = str(exc).lower()
    if "no space left on device" in text:
        return _disk_full(path)
    if any(sign in text for sign in _DAMAGE_SIGNS):
        return _damaged(path)
    if "not a valid duckdb database file" in text:
        return _not_duckdb(path)
    return None


def _os_reason(text: str) -> str:
    """The operating system's words at the end of a DuckDB IO error ('Read-only file system')."""
    return text.splitlines()[0].rsplit('": ', 1)[-1].strip() if text else "unknown reason"


def ensure_folder(path: Path | str) -> None:
    """Create the folders a database file at `path` needs, if they are missing.

    Raises:
        StoreError: a folder cannot be made (a read-only file system, no permission, or a file
            where a folder should be), naming it and the reason.
    """
    folder = Path(path).parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        # mkdir says "File exists" or "Not a directory"; name the file that is in the way.
        for candidate in (folder, *folder.parents):
            if candidate.exists():
                if not candidate.is_dir():
                    reason = f"{candidate} is a file, not a folder"
                break
        raise StoreError(
            f"cannot create the folder {folder} for the offermap database: {reason}; {_WRITABLE}"
        ) from exc


def _refuse_other_formats(path: Path) -> None:
    # Checked before DuckDB opens the file: DuckDB would try to download a reader for a
    # SQLite file, and answers a text file with a multi-line error.
    try:
        with path.open("rb") as handle:
            head = handle.read(12)
    except OSError:
        return  # missing or unreadable: DuckDB's own error says which
    # A shorter file may be one another offermap process is creating right now.
    if len(head) == 12 and head[8:12] != _DUCKDB_MAGIC:
        raise _not_duckdb(path)


def _behind(state: SchemaState) -> bool:
    """Whether an offermap database lacks migrations this offermap ships."""
    return state.kind == "offermap" and any(
        version not in state.applied for version, _, _ in available_migrations()
    )


def _checked_schema(con: duckdb.DuckDBPyConnection, path: Path, read_only: bool) -> SchemaState:
    state = inspect_schema(con)
    if state.kind == "foreign":
        shown = ", ".join(state.tables[:6]) + (
            f" and {len(state.tables) - 6} more" if len(state.tables) > 6 else ""
        )
        raise StoreError(
            f"{path} is not an offermap database: it holds another application's tables "
            f"({shown}) and offermap changed nothing in it; {_ELSEWHERE}"
        )
    if state.kind == "empty" and read_only:
        raise StoreError(
            f"there is no offermap data in {path} yet: run `offermap sync` (or `make demo`) "
            "first, or point OFFERMAP_DB at an offermap database"
        )
    return state


def _connect_waiting(path: Path, read_only: bool, lock_timeout: float) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + lock_timeout
    told = False
    while True:
        try:
            with _CONNECT_LOCK:
                return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            text = str(exc)
            if "could not set lock" not in text.lower():
                translated = _translated(path, exc)
                if translated is not None:
                    raise translated from exc
                if "cannot open file" in text.lower():
                    raise StoreError(
                        f"cannot write the offermap database {path}: {_os_reason(text)}; "
                        f"{_WRITABLE}"
                    ) from exc
                raise StoreError(
                    f"cannot open the offermap database {path}: {' '.join(text.split())}"
                ) from exc
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


def require_database(path: Path | str) -> None:
    """Refuse a database file that does not exist yet, saying how to make one.

    Raises:
        StoreError: there is no file at `path`.
    """
    if not Path(path).exists():
        raise StoreError(
            f"there is no offermap database at {path} yet: run `offermap sync` (or `make demo`) "
            "first, or point OFFERMAP_DB at an existing file"
        )


@contextmanager
def open_store(
    path: Path | str,
    *,
    read_only: bool = False,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT_SECONDS,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the database for one operation, and close it afterwards.

    A writer creates the file (and its folders) and brings its schema up to date; a reader
    needs an existing, migrated file and never takes the write lock, so notebooks do not block
    flows. A file that is not offermap's (another program's, or another application's DuckDB
    database) is refused before anything is written to it.

    Raises:
        StoreError: the file is missing (for a reader), not offermap's, damaged, cannot be
            created or written, or the disk filled up during the operation (which was then
            rolled back); the message says which, where, and what to do.
        StoreBusyError: another process kept the write lock for longer than `lock_timeout`.
    """
    path = Path(path)
    if read_only:
        require_database(path)
    _refuse_other_formats(path)
    if not read_only:
        ensure_folder(path)
    con = _connect_waiting(path, read_only, lock_timeout)
    try:
        state = _checked_schema(con, path, read_only)
        if read_only and _behind(state):
            # A file an earlier offermap wrote lacks today's columns: bring it up to date
            # once, through a short write, and read on (a reader would fail on them).
            con.close()
            with open_store(path, lock_timeout=lock_timeout):
                pass
            con = _connect_waiting(path, read_only, lock_timeout)
        if not read_only:
            migrate(con, state)
        yield con
    except duckdb.Error as exc:
        # Only errors about the file itself (damaged, disk full) become one line; any other
        # DuckDB error is a bug or a constraint the caller handles, and keeps its type.
        translated = _translated(path, exc)
        if translated is None:
            raise
        raise translated from exc
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
