"""Derive a connection's acquired offer variants from its published subscriptions (R9)."""

from __future__ import annotations

from pathlib import Path

from offermap.store import open_store
from offermap.store.acquired import derive_acquired_offers, status_counts


def derive(db_path: Path | str, connection_id: str, run_id: str) -> dict[str, int]:
    """Rebuild the connection's acquired variants from its published subscriptions.

    Returns:
        How many variants are in each mapping status (mapped, unmapped, not_required, unsupported).
    """
    with open_store(db_path) as con:
        derive_acquired_offers(con, connection_id, run_id)
        return status_counts(con, connection_id)


def counts(db_path: Path | str, connection_id: str) -> dict[str, int]:
    """How many acquired variants of the connection are in each mapping status (read-only)."""
    with open_store(db_path, read_only=True) as con:
        return status_counts(con, connection_id)
