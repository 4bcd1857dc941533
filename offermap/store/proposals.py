"""The review table: the matcher's current proposals per connection, and the inputs it reads."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb

from offermap.store.db import fetch_dicts, registered, run_script, sql, transaction

PROPOSAL_COLUMNS: tuple[str, ...] = (
    "connection_id",
    "run_id",
    "offer_id",
    "segment",
    "term",
    "billing_frequency",
    "rank",
    "service_id",
    "score",
    "status",
    "reasons",
    "created_at",
)


def replace_proposals(
    con: duckdb.DuckDBPyConnection, connection_id: str, rows: Sequence[dict[str, Any]]
) -> int:
    """Replace the connection's proposals with `rows`, in one transaction; return how many.

    A (variant, service) pair keeps the id it had in any earlier proposal of the connection.
    """
    import pandas as pd  # here, not at import: listing proposals needs no pandas

    frame = pd.DataFrame.from_records(
        [[row[c] for c in PROPOSAL_COLUMNS] for row in rows], columns=list(PROPOSAL_COLUMNS)
    )
    with transaction(con):
        run_script(con, "delete_proposals", {"connection_id": connection_id})
        if len(frame):
            with registered(con, "batch", frame):
                run_script(con, "insert_proposals")
    return len(frame)


def open_proposals(
    con: duckdb.DuckDBPyConnection, connection_id: str, *, status: str | None = None
) -> list[dict[str, Any]]:
    """Proposals of the connection still awaiting a decision (optionally one status only)."""
    return fetch_dicts(
        con, sql("open_proposals"), {"connection_id": connection_id, "status": status}
    )


def proposals_by_id(
    con: duckdb.DuckDBPyConnection, connection_id: str, proposal_ids: Sequence[int]
) -> list[dict[str, Any]]:
    """The connection's proposals with these ids (ids of other connections are not returned)."""
    return fetch_dicts(
        con,
        sql("proposals_by_id"),
        {"connection_id": connection_id, "proposal_ids": [int(i) for i in proposal_ids]},
    )


def matcher_inputs(
    con: duckdb.DuckDBPyConnection, connection_id: str
) -> dict[str, list[dict[str, Any]]]:
    """What the matcher needs about a connection: variants, services, settled and rejected pairs."""
    params = {"connection_id": connection_id}
    return {
        name: fetch_dicts(con, sql(f"matcher_inputs_{name}"), params)
        for name in ("variants", "services", "taken", "rejected")
    }


def all_proposals(con: duckdb.DuckDBPyConnection, connection_id: str) -> list[dict[str, Any]]:
    """Every current proposal of the connection, open or not (ids, pairs, rank and score)."""
    return fetch_dicts(con, sql("all_proposals"), {"connection_id": connection_id})
