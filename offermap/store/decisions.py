"""Decisions: analysts' and administrators' verdicts, and the batch the rules suite checks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

import duckdb

from offermap.store.db import fetch_dicts, registered, sql

if TYPE_CHECKING:  # pandas costs a noticeable import time; reading decisions needs none
    import pandas as pd

DecisionKind = Literal["approve", "reject", "unmap"]


def insert_decision(
    con: duckdb.DuckDBPyConnection,
    *,
    connection_id: str,
    variant: tuple[str, str, str, str],
    service_id: int | None,
    kind: DecisionKind,
    source: Literal["proposal", "manual"],
    actor: str,
    proposal_id: int | None = None,
    note: str | None = None,
) -> int:
    """Record one decision and return its id; approvals and unmaps wait for apply."""
    offer_id, segment, term, billing_frequency = variant
    row = con.execute(
        sql("insert_decision"),
        {
            "connection_id": connection_id,
            "offer_id": offer_id,
            "segment": segment,
            "term": term,
            "billing_frequency": billing_frequency,
            "service_id": service_id,
            "kind": kind,
            "source": source,
            "proposal_id": proposal_id,
            "actor": actor,
            "note": note,
            "now": datetime.now(UTC),
            "state": "recorded" if kind == "reject" else "pending",
        },
    ).fetchall()
    return int(row[0][0])


def insert_decisions(
    con: duckdb.DuckDBPyConnection,
    *,
    connection_id: str,
    rows: list[dict[str, Any]],
    kind: DecisionKind,
    source: Literal["proposal", "manual"],
    actor: str,
    note: str | None = None,
) -> list[int]:
    """Record many decisions in one statement; return their ids in the order of `rows`.

    Each row has offer_id, segment, term, billing_frequency, service_id and proposal_id, and
    may have its own `note`.
    Approving thousands of proposals one statement at a time took over a minute.
    """
    if not rows:
        return []
    import pandas as pd

    reserved = con.execute(sql("decision_ids"), {"count": len(rows)}).fetchall()
    ids = sorted(int(row[0]) for row in reserved)
    frame = pd.DataFrame.from_records(
        [
            {
                "decision_id": decision_id,
                "connection_id": connection_id,
                "offer_id": row["offer_id"],
                "segment": row["segment"],
                "term": row["term"],
                "billing_frequency": row["billing_frequency"],
                "service_id": row["service_id"],
                "kind": kind,
                "source": source,
                "proposal_id": row.get("proposal_id"),
                "actor": actor,
                # A row's own note (a line of a signed-off sheet) wins over the batch's.
                "note": row.get("note") or note,
                "decided_at": datetime.now(UTC),
                "state": "recorded" if kind == "reject" else "pending",
            }
            for decision_id, row in zip(ids, rows, strict=True)
        ]
    )
    for column in ("service_id", "proposal_id"):
        frame[column] = frame[column].astype("Int64")
    with registered(con, "decision_batch", frame):
        con.execute(sql("insert_decisions_batch"))
    return ids


def approval_batch(
    con: duckdb.DuckDBPyConnection, connection_id: str, decision_ids: list[int] | None = None
) -> pd.DataFrame:
    """Facts about the connection's pending approvals (all, or these ids) for the rules suite."""
    return con.execute(
        sql("decision_batch"), {"connection_id": connection_id, "decision_ids": decision_ids}
    ).df()


def pending_unmaps(
    con: duckdb.DuckDBPyConnection, connection_id: str, decision_ids: list[int] | None = None
) -> list[dict[str, Any]]:
    """Pending unmap decisions (all, or these ids) with the mapping each would remove."""
    return fetch_dicts(
        con, sql("pending_unmaps"), {"connection_id": connection_id, "decision_ids": decision_ids}
    )


def pending_actors(con: duckdb.DuckDBPyConnection, connection_id: str) -> dict[int, str]:
    """Who made each pending decision of the connection (the audit row names them)."""
    rows = fetch_dicts(con, sql("decision_actor"), {"connection_id": connection_id})
    return {int(r["decision_id"]): str(r["actor"]) for r in rows}


def resolve_decision(
    con: duckdb.DuckDBPyConnection,
    decision_id: int,
    state: Literal["applied", "failed"],
    run_id: str,
    now: datetime,
) -> None:
    """Move a pending decision to applied or failed (a resolved one is left as it is)."""
    con.execute(
        sql("resolve_decision"),
        {"decision_id": decision_id, "state": state, "run_id": run_id, "now": now},
    )


def resolve_decisions(
    con: duckdb.DuckDBPyConnection,
    states: Mapping[int, Literal["applied", "failed"]],
    run_id: str,
    now: datetime,
) -> None:
    """Move many pending decisions (id -> new state) on in one statement, like resolve_decision."""
    if not states:
        return
    import pandas as pd

    frame = pd.DataFrame({"decision_id": list(states), "state": list(states.values())}).astype(
        {"decision_id": "int64"}
    )
    with registered(con, "resolution_batch", frame):
        con.execute(sql("resolve_decisions_batch"), {"run_id": run_id, "now": now})


def list_decisions(
    con: duckdb.DuckDBPyConnection,
    connection_id: str,
    *,
    kinds: Sequence[DecisionKind] | None = None,
    states: Sequence[str] | None = None,
    decision_ids: Sequence[int] | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """The connection's decisions, newest first, with offer and service names.

    Each filter left None matches everything; each row carries `total`, the number of rows
    matching before `limit` and `offset`.
    """
    return fetch_dicts(
        con,
        sql("list_decisions"),
        {
            "connection_id": connection_id,
            "kinds": list(kinds) if kinds else None,
            "states": list(states) if states else None,
            "decision_ids": [int(i) for i in decision_ids] if decision_ids is not None else None,
            "limit": limit if limit is not None else 2**62,
            "offset": offset,
        },
    )


def withdraw_decisions(
    con: duckdb.DuckDBPyConnection,
    connection_id: str,
    decision_ids: Sequence[int],
    *,
    run_id: str,
    now: datetime,
) -> None:
    """Move pending approvals and unmaps, and recorded rejections, to `withdrawn`.

    Decisions in any other state are left as they are; the caller checks which moved.
    """
    con.execute(
        sql("withdraw_decisions"),
        {
            "connection_id": connection_id,
            "decision_ids": [int(i) for i in decision_ids],
            "run_id": run_id,
            "now": now,
        },
    )
