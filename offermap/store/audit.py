"""The audit log: append-only rows, one per mapping operation, with the names of the moment."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import duckdb

from offermap.store.db import fetch_dicts, registered, sql


@dataclass(frozen=True)
class AuditEntry:
    """One audit row to append.

    The names (`handle`, `offer_name`, `provider_offer_id`, `service_name`) are those the
    snapshots held when the operation happened: a service renamed or deleted later still shows
    in the audit as the administrator saw it then.
    """

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
    handle: str | None = None
    offer_name: str | None = None
    provider_offer_id: str | None = None
    service_name: str | None = None
    note: str | None = None


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
        # Text columns that may be all None would otherwise be read as INTEGER by DuckDB.
        for column in ("handle", "offer_name", "provider_offer_id", "service_name", "note"):
            frame[column] = frame[column].astype("object")
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


@dataclass(frozen=True)
class AuditFilter:
    """Which audit rows to read; every field left None matches everything.

    Attributes:
        operations: any of these operation names (exact names; see offermap.rules).
        status: Succeeded or Failed (any case).
        actor: who decided (any case).
        offer_text: a part of the offer's name, provider offer id or offer id (any case).
        handle: an exact handle; `handle_parts` (offer part, segment, term, billing) also match
            rows whose handle was written with the other offer id.
        service_text: a part of the service's name, or its id written out.
        since / until: the time range, `since` included and `until` excluded.
        decision_id: rows of this decision only.
    """

    connection_id: str | None = None
    operations: tuple[str, ...] | None = None
    status: str | None = None
    run_id: str | None = None
    actor: str | None = None
    offer_text: str | None = None
    handle_parts: tuple[str, str, str, str] | None = None
    service_text: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    decision_id: int | None = None


def _filter_params(wanted: AuditFilter) -> dict[str, Any]:
    handle = wanted.handle_parts
    return {
        "connection_id": wanted.connection_id,
        "operations": list(wanted.operations) if wanted.operations else None,
        "status": wanted.status,
        "run_id": wanted.run_id,
        "actor": wanted.actor,
        "offer_text": wanted.offer_text.lower() if wanted.offer_text else None,
        "handle_offer": handle[0].lower() if handle else None,
        "handle_segment": handle[1] if handle else None,
        "handle_term": handle[2] if handle else None,
        "handle_billing": handle[3] if handle else None,
        "service_text": wanted.service_text.lower() if wanted.service_text else None,
        "since": wanted.since,
        "until": wanted.until,
        "decision_id": wanted.decision_id,
    }


def query_audit(
    con: duckdb.DuckDBPyConnection,
    *,
    connection_id: str | None = None,
    operation: str | None = None,
    status: str | None = None,
    run_id: str | None = None,
    limit: int | None = None,
    offset: int = 0,
    where: AuditFilter | None = None,
) -> list[dict[str, Any]]:
    """Audit rows, newest first, with the names they were written with.

    Rows written before the names were kept fall back to today's snapshots. The keyword
    filters are shorthands for the same fields of `where`. Each row carries `total`: how many
    rows match in all, whatever `limit` and `offset` cut.
    """
    wanted = where or AuditFilter()
    params = _filter_params(wanted)
    if connection_id is not None:
        params["connection_id"] = connection_id
    if operation is not None:
        params["operations"] = None
        params["operation"] = operation
    if status is not None:
        params["status"] = status
    if run_id is not None:
        params["run_id"] = run_id
    params.setdefault("operation", None)
    params["limit"] = limit if limit is not None else 2**62
    params["offset"] = offset
    rows = fetch_dicts(con, sql("query_audit"), params)
    for row in rows:
        row["details"] = json.loads(row["details"]) if row["details"] else {}
    return rows
