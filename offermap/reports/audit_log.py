"""Reading the audit log: every mapping operation, Succeeded or Failed, with its details.

Rows name the offer variant by handle and name and the service by id and name, as they were
when the operation happened, with who did it and the note they gave.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from offermap.store import open_store
from offermap.store.audit import AuditFilter, query_audit
from offermap.store.health import require_connection

# The fields `offermap audit --json` promises, in this order.
AUDIT_FIELDS: tuple[str, ...] = (
    "occurred_at",
    "operation",
    "status",
    "connection_id",
    "handle",
    "offer_name",
    "provider_offer_id",
    "offer_id",
    "segment",
    "term",
    "billing_frequency",
    "service_id",
    "service_name",
    "actor",
    "note",
    "details",
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
    offset: int = 0,
    where: AuditFilter | None = None,
) -> list[dict[str, Any]]:
    """Audit rows, newest first, read-only; `occurred_at` as an ISO 8601 string.

    Each row has the fields of AUDIT_FIELDS and `total` (how many rows match in all).

    Raises:
        UnknownConnectionError: `connection_id` (or the filter's) was never synced here.
    """
    wanted = where or AuditFilter()
    with open_store(db_path, read_only=True) as con:
        known = connection_id or wanted.connection_id
        if known:
            require_connection(con, known)
        rows = query_audit(
            con,
            connection_id=connection_id,
            operation=operation,
            status=status,
            run_id=run_id,
            limit=limit,
            offset=offset,
            where=wanted,
        )
    out = []
    for row in rows:
        item = {
            name: (row[name].isoformat() if name == "occurred_at" else row[name])
            for name in AUDIT_FIELDS
        }
        item["handle"] = item["handle"] or _legacy_handle(row)
        item["total"] = row["total"]
        out.append(item)
    return out


def _legacy_handle(row: dict[str, Any]) -> str | None:
    """A handle for a row written before handles were kept (provider offer id if known)."""
    if not row.get("offer_id"):
        return None
    offer = row.get("provider_offer_id") or row["offer_id"]
    parts = (offer, row.get("segment"), row.get("term"), row.get("billing_frequency"))
    return "/".join(str(p) for p in parts)
