"""Reading the connection's Autotask service snapshot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from offermap.store import fetch_dicts, open_store, sql


def list_services(
    db_path: Path | str, connection_id: str, *, active_only: bool = False
) -> list[dict[str, Any]]:
    """The connection's services from its latest snapshot (read-only), by name."""
    with open_store(db_path, read_only=True) as con:
        return fetch_dicts(
            con, sql("list_services"), {"connection_id": connection_id, "active_only": active_only}
        )
