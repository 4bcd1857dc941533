"""Offer mappings: written only by apply, inside its transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import duckdb

from offermap.store.db import fetch_dicts, sql


def insert_mapping(
    con: duckdb.DuckDBPyConnection,
    *,
    connection_id: str,
    variant: tuple[str, str, str, str],
    service_id: int,
    decision_id: int,
    mapped_by: str,
    run_id: str,
    now: datetime,
) -> None:
    """Store one mapping; the schema refuses a second one of the variant (R4) or service (R3)."""
    offer_id, segment, term, billing_frequency = variant
    con.execute(
        sql("insert_mapping"),
        {
            "connection_id": connection_id,
            "offer_id": offer_id,
            "segment": segment,
            "term": term,
            "billing_frequency": billing_frequency,
            "service_id": service_id,
            "decision_id": decision_id,
            "mapped_by": mapped_by,
            "run_id": run_id,
            "now": now,
        },
    )


def delete_mapping(
    con: duckdb.DuckDBPyConnection, *, connection_id: str, variant: tuple[str, str, str, str]
) -> None:
    """Remove the mapping of one offer variant."""
    offer_id, segment, term, billing_frequency = variant
    con.execute(
        sql("delete_mapping"),
        {
            "connection_id": connection_id,
            "offer_id": offer_id,
            "segment": segment,
            "term": term,
            "billing_frequency": billing_frequency,
        },
    )


def list_mappings(con: duckdb.DuckDBPyConnection, connection_id: str) -> list[dict[str, Any]]:
    """Every mapping of the connection, with offer and service names."""
    return fetch_dicts(con, sql("list_mappings"), {"connection_id": connection_id})
