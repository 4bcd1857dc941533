"""Landing records of one source into staging in batches, with the run's bookkeeping."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from offermap.errors import InputError
from offermap.store import open_store
from offermap.store.snapshots import Source, finish_extract, land_rows, start_extract

log = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int | None], None]
_MAX_ERROR_CHARS = 2000


@dataclass(frozen=True)
class ExtractResult:
    """What one source's extraction landed.

    ``customers`` is how many CloudCockpit customers (names) the run staged with its
    subscriptions: None for Autotask, and when the customers read failed.
    """

    source: str
    run_id: str
    records: int
    requests: int
    customers: int | None = None


# Each database step is its own function so that no connection object stays referenced from
# this frame: a failed run's traceback is kept by the orchestrator, and an open reference to a
# DuckDB connection there outlives the run.
def _start(
    db_path: Path | str,
    source: Source,
    connection_id: str,
    run_id: str,
    correlation_id: str | None,
) -> None:
    with open_store(db_path) as con:
        start_extract(con, connection_id, run_id, source, correlation_id)


def _land(
    db_path: Path | str,
    source: Source,
    connection_id: str,
    run_id: str,
    extracted_at: datetime,
    batch: list[dict[str, Any]],
) -> int:
    with open_store(db_path) as con:
        return land_rows(con, source, connection_id, run_id, extracted_at, batch)


def _finish(
    db_path: Path | str,
    source: Source,
    run_id: str,
    status: Literal["landed", "failed"],
    records: int,
    requests: int,
    error: str | None = None,
) -> None:
    with open_store(db_path) as con:
        finish_extract(
            con, run_id, source, status=status, records=records, requests=requests, error=error
        )


class RecordError(InputError):
    """A record cannot be stored as it came; the message names the source, record and field."""


_ID_FIELD: dict[str, str] = {"autotask": "service_id", "cloudcockpit": "subscription_id"}


def _check_text(source: Source, record: dict[str, Any]) -> None:
    # DuckDB stores UTF-8: a lone surrogate from a bad JSON escape would otherwise fail the
    # whole batch with a conversion error that names no record.
    for field, value in record.items():
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise RecordError(
                    f"{source} record {_ID_FIELD[source]}={record.get(_ID_FIELD[source])!r}: "
                    f"field {field} is not valid Unicode text (a lone surrogate); the snapshot "
                    "was not replaced"
                ) from None


def land_stream(
    db_path: Path | str,
    source: Source,
    connection_id: str,
    run_id: str,
    records: Iterable[dict[str, Any]],
    requests_made: Callable[[], int],
    *,
    batch_size: int = 5000,
    correlation_id: str | None = None,
    then: Callable[[], None] | None = None,
) -> ExtractResult:
    """Stream records into staging, holding the database only while a batch is written.

    A failure anywhere marks the source's run failed and drops what it staged, so the
    published snapshot stays the last good one; the error is re-raised.

    Args:
        then: called after the last batch landed and before the run is marked landed, to
            stage more of the same run (CloudCockpit's customer names); the requests it makes
            are counted with the run's, and an error it raises fails the run like any other.
    """
    _start(db_path, source, connection_id, run_id, correlation_id)
    extracted_at = datetime.now(UTC)
    landed = 0
    batch: list[dict[str, Any]] = []
    try:
        for record in records:
            _check_text(source, record)
            batch.append(record)
            if len(batch) >= batch_size:
                landed += _land(db_path, source, connection_id, run_id, extracted_at, batch)
                batch = []
        landed += _land(db_path, source, connection_id, run_id, extracted_at, batch)
        if then is not None:
            then()
        _finish(db_path, source, run_id, "landed", landed, requests_made())
    except BaseException as exc:
        # The client's errors never carry credentials, so the message is safe to keep.
        message = f"{type(exc).__name__}: {exc}"[:_MAX_ERROR_CHARS]
        log.warning("%s extraction of run %s failed: %s", source, run_id, message)
        _finish(db_path, source, run_id, "failed", landed, requests_made(), message)
        raise
    log.info("%s: landed %d records with %d requests", source, landed, requests_made())
    return ExtractResult(source=source, run_id=run_id, records=landed, requests=requests_made())
