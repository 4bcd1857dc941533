"""The manual path: map or unmap offer variants now, each decision recorded and applied at once.

`offermap map` and `offermap unmap` record a decision and apply it under one store connection
and in one transaction: no scheduled apply can resolve the decision in between (the database
admits one writer process at a time), so what the command prints is what happened to it; and
an interrupted command leaves nothing behind, neither a mapping nor a decision waiting for the
next apply. Handles and the connection are checked before anything is written, so a typo
costs no audit row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import duckdb

from offermap.errors import InputError
from offermap.review.handles import resolve_in
from offermap.runs import new_run_id
from offermap.store import open_store, transaction
from offermap.store.acquired import known_variants
from offermap.store.decisions import insert_decision, list_decisions
from offermap.store.health import require_connection
from offermap.variants import VariantKey

if TYPE_CHECKING:  # apply loads pandas, which checking a pick before writing never needs
    from offermap.apply.batch import ApplyResult

# The largest id DuckDB's BIGINT (and so any stored Autotask id) can hold.
MAX_SERVICE_ID = 2**63 - 1


class ManualError(InputError):
    """A manual pick cannot be recorded; nothing was written."""


@dataclass(frozen=True)
class Pick:
    """One manual decision to make: map `handle` to `service_id`, or unmap it (None).

    where: where the pick came from, for errors ("line 4 of picks.csv"); empty on the command
    line.
    """

    handle: str
    service_id: int | None = None
    note: str | None = None
    where: str = ""


@dataclass
class Recorded:
    """Decision ids recorded so far by `decide_now`, so that an interrupted caller can read
    back what became of them."""

    decision_ids: list[int] = field(default_factory=list)


def check_service_id(service_id: int) -> int:
    """Refuse a service id no Autotask service can have, before anything is written.

    Raises:
        ManualError: the id is below 1 or beyond what the database stores.
    """
    if not 1 <= service_id <= MAX_SERVICE_ID:
        raise ManualError(
            f"{service_id} is not an Autotask service id: find the service's id with "
            '`offermap services search "<first words>" --offer HANDLE`'
        )
    return service_id


def record_decision(
    con: duckdb.DuckDBPyConnection,
    connection_id: str,
    variant: VariantKey,
    *,
    service_id: int | None,
    actor: str,
    note: str | None,
) -> int:
    """Record one hand-made map (a service) or unmap (None) on the caller's open connection."""
    return insert_decision(
        con,
        connection_id=connection_id,
        variant=variant,
        service_id=service_id,
        kind="unmap" if service_id is None else "approve",
        source="manual",
        actor=actor,
        note=note,
    )


def _resolve(
    con: duckdb.DuckDBPyConnection, connection_id: str, picks: Sequence[Pick]
) -> list[VariantKey]:
    rows = known_variants(con, connection_id)
    keys = []
    for pick in picks:
        try:
            keys.append(resolve_in(rows, connection_id, pick.handle))
        except InputError as exc:
            raise ManualError(f"{pick.where}: {exc}" if pick.where else str(exc)) from None
    return keys


def decide_now(
    db_path: Path | str,
    connection_id: str,
    picks: Sequence[Pick],
    *,
    kind: Literal["map", "unmap"],
    actor: str,
    note: str | None = None,
    recorded: Recorded | None = None,
) -> ApplyResult:
    """Record the picks as decisions and apply them, all in one transaction.

    The rules are judged by the fast check (the GX suite's verdicts, without loading GX).
    Picks are decided in order, as one batch: a later pick claiming a service or variant an
    earlier one claimed is refused under R3/R4, as in any apply.

    Args:
        recorded: filled with the decision ids as they are recorded; if the call is
            interrupted, `outcome` tells the caller what became of them.

    Raises:
        ManualError: a handle names no variant of the connection, a service id is impossible,
            or nothing is picked; nothing is written then.
        UnknownConnectionError: the database has never synced the connection.
    """
    if not picks:
        raise ManualError(f"say what to {kind}: give a handle (`offermap offers` lists them)")
    for pick in picks:
        if kind == "map" and pick.service_id is None:
            raise ManualError(f"{pick.where or pick.handle}: say which service to map it to")
        if pick.service_id is not None:
            check_service_id(pick.service_id)
    # Imported here: apply loads pandas, which a refused handle never needs.
    from offermap.apply.batch import apply_open
    from offermap.apply.rule_check import check_decision_facts

    recorded = recorded if recorded is not None else Recorded()
    run_id = new_run_id("manual")
    with open_store(db_path) as con:
        require_connection(con, connection_id)
        keys = _resolve(con, connection_id, picks)
        with transaction(con):
            for pick, key in zip(picks, keys, strict=True):
                recorded.decision_ids.append(
                    record_decision(
                        con,
                        connection_id,
                        key,
                        service_id=pick.service_id if kind == "map" else None,
                        actor=actor,
                        note=pick.note or note,
                    )
                )
            return apply_open(
                con,
                connection_id,
                run_id,
                rules_check=check_decision_facts,
                decision_ids=list(recorded.decision_ids),
                in_transaction=True,
            )


def outcome(
    db_path: Path | str, connection_id: str, decision_ids: Sequence[int]
) -> list[dict[str, Any]]:
    """What became of these decisions (read-only): each stored one with its state.

    An interrupted `decide_now` leaves none of its decisions stored (its transaction rolled
    back), or all of them resolved (it committed).
    """
    if not decision_ids:
        return []
    with open_store(db_path, read_only=True) as con:
        return list_decisions(con, connection_id, decision_ids=list(decision_ids))
