"""Putting hand-made snapshots into a test database through the real staging and publish path."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from offermap.store import open_store
from offermap.store.acquired import derive_acquired_offers
from offermap.store.snapshots import (
    begin_sync,
    finish_extract,
    land_rows,
    publish,
    register_connection,
    start_extract,
)


def publish_snapshot(
    db_path: Path,
    connection_id: str,
    run_id: str,
    services: list[dict[str, Any]],
    subscriptions: list[dict[str, Any]],
) -> None:
    """Stage, publish and derive acquired offers for one connection, as a sync would."""
    with open_store(db_path) as con:
        register_connection(con, connection_id)
        begin_sync(con, connection_id, run_id)
        now = datetime.now(UTC)
        for source, rows in (("autotask", services), ("cloudcockpit", subscriptions)):
            start_extract(con, connection_id, run_id, source)  # type: ignore[arg-type]
            land_rows(con, source, connection_id, run_id, now, rows)  # type: ignore[arg-type]
            finish_extract(con, run_id, source, status="landed", records=len(rows), requests=1)  # type: ignore[arg-type]
        publish(con, connection_id, run_id)
        derive_acquired_offers(con, connection_id, run_id)
