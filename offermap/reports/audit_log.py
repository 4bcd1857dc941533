"""Reading the audit log: every mapping operation, Succeeded or Failed, with its details."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from offermap.store import open_store
from offermap.store.audit import query_audit

# The fields `offermap audit --json` promises, in this order.
AUDIT_FIELDS: tuple[str, ...] = (
    "occurred_at",
    "operation",
    "status",
    "connection_id",
    "offer_id",
    "segment",
    "term",
    "billing_frequency",
    "service_id",
    "details",
    "actor",
    "decision_id",
    "run_id",
    "correlation_id",
    "audit_id",
)


def read_audit(
    db_path: Path | str,
    *,
    connection_id: str | None = None,
    operation: str | None = None,
    status: str | None = None,
    run_id: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Audit rows, newest first, read-only; `occurred_at` as an ISO 8601 string."""
    with open_store(db_path, read_only=True) as con:
        rows = query_audit(
            con,
            connection_id=connection_id,
            operation=operation,
            status=status,
            run_id=run_id,
            limit=limit,
        )
    return [
        {
            name: (row[name].isoformat() if name == "occurred_at" else row[name])
            for name in AUDIT_FIELDS
        }
        for row in rows
    ]
