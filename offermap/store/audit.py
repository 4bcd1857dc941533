"""The audit log: append-only rows, one per mapping operation."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import duckdb

from offermap.store.db import fetch_dicts, registered, sql


@dataclass(frozen=True)
class AuditEntry:
    """One audit row to append."""

    occurred_at: datetime
    connection_id: str
    operation: str
    status: str  # Succeeded | Failed
    actor: str
    run_id: str
    offer_id: str | None = None
    segment: str | None = None
    term: str | None = None
    billing_frequency: str | None = None
    service_id: int | None = None
    decision_id: int | None = None
    details: dict[str, Any] = field(default_factory=dict)
    correlation_id: str | None = None


_FIELDS: tuple[str, ...] = tuple(AuditEntry.__dataclass_fields__)


def _params(entry: AuditEntry) -> dict[str, Any]:
    params = {name: getattr(entry, name) for name in _FIELDS}
    params["details"] = json.dumps(entry.details, sort_keys=True, default=str)
    return params


@dataclass
class AuditBatch:
    """Audit rows gathered inside one transaction and appended together by `write`.

    Apply writes one row per decision; appending tens of thousands of them one statement at
    a time would take minutes, so they are collected here and inserted in one statement.
    """

    rows: list[dict[str, Any]] = field(default_factory=list)

    def add(self, entry: AuditEntry) -> None:
        """Queue one entry; nothing is written until `write`."""
        self.rows.append(_params(entry))

    def write(self, con: duckdb.DuckDBPyConnection) -> int:
        """Append every queued row, in the order queued, and empty the batch; return how many.

        Audit ids are handed out in queue order, so "newest first" lists them as they happened.
        """
        if not self.rows:
            return 0
        import pandas as pd  # here, not at import: reading the audit log needs no pandas

        reserved = con.execute(sql("audit_ids"), {"count": len(self.rows)}).fetchall()
        frame = pd.DataFrame.from_records(self.rows, columns=list(_FIELDS))
        frame.insert(0, "audit_id", sorted(int(row[0]) for row in reserved))
        # Nullable integers: a column of ints and Nones would otherwise be a float or object.
        for column in ("service_id", "decision_id"):
            frame[column] = frame[column].astype("Int64")
        with registered(con, "audit_batch", frame):
            con.execute(sql("insert_audit_batch"))
        written = len(self.rows)
        self.rows = []
        return written


def append_audit(target: duckdb.DuckDBPyConnection | AuditBatch, entry: AuditEntry) -> None:
    """Append one row to the audit log (the only way offermap writes to it).

    Given an `AuditBatch` instead of a connection, the row is queued there and written with
    the rest of the batch, in the same transaction.
    """
    if isinstance(target, AuditBatch):
        target.add(entry)
        return
    target.execute(sql("insert_audit"), _params(entry))


def query_audit(
    con: duckdb.DuckDBPyConnection,
    *,
    connection_id: str | None = None,
    operation: str | None = None,
    status: str | None = None,
    run_id: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Audit rows, newest first; each filter is optional and case-insensitive where textual."""
    rows = fetch_dicts(
        con,
        sql("query_audit"),
        {
            "connection_id": connection_id,
            "operation": operation,
            "status": status,
            "run_id": run_id,
            "limit": limit if limit is not None else 2**62,
        },
    )
    for row in rows:
        row["details"] = json.loads(row["details"]) if row["details"] else {}
    return rows
