"""A connection's imported catalogue: the price list rows `offermap catalogue import` stored."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import duckdb

from offermap.store.db import fetch_dicts, registered, run_script, sql, transaction

CATALOGUE_COLUMNS: tuple[str, ...] = (
    "provider_offer_id",
    "segment",
    "term",
    "billing_frequency",
    "title",
    "microsoft_title",
    "product_title",
    "distributor_title",
    "source_file",
    "source_kind",
    "source_line",
)


def replace_catalogue_rows(
    con: duckdb.DuckDBPyConnection,
    connection_id: str,
    rows: Sequence[Mapping[str, Any]],
    imported_at: datetime,
) -> int:
    """Store price list rows in the connection's catalogue, in one transaction.

    Each row replaces the connection's earlier row of the same (provider offer id, segment,
    term, billing frequency); rows of other variants stay. The rows must be unique on that key.

    Returns:
        How many rows were stored.
    """
    import pandas as pd  # here, not at import: every command line start would pay for it

    frame = pd.DataFrame.from_records(
        [[row[c] for c in CATALOGUE_COLUMNS] for row in rows], columns=list(CATALOGUE_COLUMNS)
    )
    if frame.empty:
        return 0
    with transaction(con), registered(con, "batch", frame):
        run_script(
            con,
            "catalogue_replace_rows",
            {"connection_id": connection_id, "imported_at": imported_at},
        )
    return len(frame)


def catalogue_rows(con: duckdb.DuckDBPyConnection, connection_id: str) -> list[dict[str, Any]]:
    """The connection's imported catalogue rows, ordered by variant."""
    return fetch_dicts(con, sql("catalogue_rows"), {"connection_id": connection_id})


def catalogue_count(con: duckdb.DuckDBPyConnection, connection_id: str) -> tuple[int, int]:
    """How many variants and distinct SKUs the connection's imported catalogue holds."""
    [row] = fetch_dicts(con, sql("catalogue_count"), {"connection_id": connection_id})
    return int(row["variants"]), int(row["skus"])
