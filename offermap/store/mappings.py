"""Offer mappings: written only by apply, inside its transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb

from offermap.store.db import registered, sql

MAPPING_COLUMNS: tuple[str, ...] = (
    "connection_id",
    "offer_id",
    "segment",
    "term",
    "billing_frequency",
    "service_id",
    "decision_id",
    "mapped_by",
    "mapped_at",
    "run_id",
)


def insert_mappings(con: duckdb.DuckDBPyConnection, rows: Sequence[dict[str, Any]]) -> int:
    """Store many mappings in one statement; return how many.

    Each row has the keys of `MAPPING_COLUMNS`. The schema refuses the whole statement when
    one row would be a second mapping of a variant (R4) or of a service (R3).
    """
    if not rows:
        return 0
    import pandas as pd  # here, not at import: unmapping and importing need no pandas

    frame = pd.DataFrame.from_records(
        [[row[c] for c in MAPPING_COLUMNS] for row in rows], columns=list(MAPPING_COLUMNS)
    )
    with registered(con, "mapping_batch", frame):
        con.execute(sql("insert_mappings_batch"))
    return len(frame)


def _variant_params(connection_id: str, variant: tuple[str, str, str, str]) -> dict[str, str]:
    offer_id, segment, term, billing_frequency = variant
    return {
        "connection_id": connection_id,
        "offer_id": offer_id,
        "segment": segment,
        "term": term,
        "billing_frequency": billing_frequency,
    }


def delete_mapping(
    con: duckdb.DuckDBPyConnection, *, connection_id: str, variant: tuple[str, str, str, str]
) -> None:
    """Remove the mapping of one offer variant."""
    con.execute(sql("delete_mapping"), _variant_params(connection_id, variant))


def mapped_service(
    con: duckdb.DuckDBPyConnection, *, connection_id: str, variant: tuple[str, str, str, str]
) -> int | None:
    """The service an offer variant is mapped to now, or None when it is not mapped."""
    found = con.execute(sql("mapped_service"), _variant_params(connection_id, variant)).fetchall()
    return int(found[0][0]) if found else None
