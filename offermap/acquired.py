"""Acquired offer variants of a connection (R9) and their mapping status."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from offermap.store import open_store
from offermap.store.acquired import acquired_offers, derive_acquired_offers, status_counts


def derive(db_path: Path | str, connection_id: str, run_id: str) -> dict[str, int]:
    """Rebuild the connection's acquired variants from its published subscriptions.

    Returns:
        How many variants are in each mapping status (mapped, unmapped, not_required, unsupported).
    """
    with open_store(db_path) as con:
        derive_acquired_offers(con, connection_id, run_id)
        return status_counts(con, connection_id)


def list_acquired(
    db_path: Path | str, connection_id: str, *, show_mapped: bool = True
) -> list[dict[str, Any]]:
    """The connection's acquired variants with status and mapped service (read-only)."""
    with open_store(db_path, read_only=True) as con:
        rows = acquired_offers(con, connection_id)
    return rows if show_mapped else [r for r in rows if r["mapping_status"] != "mapped"]


def counts(db_path: Path | str, connection_id: str) -> dict[str, int]:
    """How many acquired variants of the connection are in each mapping status (read-only)."""
    with open_store(db_path, read_only=True) as con:
        return status_counts(con, connection_id)
