"""The audit log: append-only rows, one per mapping operation."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import duckdb

from offermap.store.db import fetch_dicts, sql


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


def append_audit(con: duckdb.DuckDBPyConnection, entry: AuditEntry) -> None:
    """Append one row to the audit log (the only way offermap writes to it)."""
    params = {name: getattr(entry, name) for name in AuditEntry.__dataclass_fields__}
    params["details"] = json.dumps(entry.details, sort_keys=True, default=str)
    con.execute(sql("insert_audit"), params)


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
