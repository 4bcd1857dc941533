"""Review: list open proposals, approve or reject them, or pick a service by hand."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from offermap.errors import InputError
from offermap.store import open_store, transaction
from offermap.store.decisions import DecisionKind, insert_decision, insert_decisions
from offermap.store.proposals import open_proposals, proposals_by_id
from offermap.variants import VariantKey


class ReviewError(InputError):
    """A decision could not be recorded; nothing was written."""


def list_open_proposals(
    db_path: Path | str, connection_id: str, *, include_not_proposed: bool = False
) -> list[dict[str, Any]]:
    """Proposals awaiting a decision (read-only); alternatives not proposed only on request."""
    with open_store(db_path, read_only=True) as con:
        return open_proposals(
            con, connection_id, status=None if include_not_proposed else "proposed"
        )


def _selected(
    con: Any, connection_id: str, proposal_ids: Sequence[int] | None, min_score: float | None
) -> list[dict[str, Any]]:
    if proposal_ids:
        found = {
            int(row["proposal_id"]): row
            for row in proposals_by_id(con, connection_id, proposal_ids)
        }
        unknown = sorted(set(int(i) for i in proposal_ids) - set(found))
        if unknown:
            raise ReviewError(
                f"no proposal {', '.join(map(str, unknown))} for connection {connection_id!r}: "
                "list them with `offermap proposals`"
            )
        open_ids = {int(r["proposal_id"]) for r in open_proposals(con, connection_id)}
        decided = sorted(set(found) - open_ids)
        if decided:
            raise ReviewError(
                f"proposal {', '.join(map(str, decided))} is no longer open (already decided, "
                "or its offer is mapped)"
            )
        return [found[int(i)] for i in dict.fromkeys(proposal_ids)]
    if min_score is None:
        raise ReviewError(
            "say which proposals: give their ids, or --min-score for all above a score"
        )
    return [
        row
        for row in open_proposals(con, connection_id, status="proposed")
        if row["rank"] == 1 and float(row["score"]) >= min_score
    ]


def _record(
    con: Any,
    connection_id: str,
    chosen: list[dict[str, Any]],
    kind: DecisionKind,
    actor: str,
    note: str | None,
) -> list[int]:
    """Record one decision per chosen proposal, all in one transaction; return their ids."""
    with transaction(con):
        return insert_decisions(
            con,
            connection_id=connection_id,
            rows=chosen,
            kind=kind,
            source="proposal",
            actor=actor,
            note=note,
        )


def approve(
    db_path: Path | str,
    connection_id: str,
    proposal_ids: Sequence[int] | None = None,
    *,
    min_score: float | None = None,
    actor: str,
    note: str | None = None,
) -> list[int]:
    """Approve proposals by id, or every first-ranked proposal scoring at least `min_score`.

    Approvals wait for `apply`, which checks them against the rules. Returns the decision ids.

    Raises:
        ReviewError: an id is unknown or already decided, or two chosen proposals are for the
            same offer variant; nothing is recorded then.
    """
    with open_store(db_path) as con:
        chosen = _selected(con, connection_id, proposal_ids, min_score)
        twice = {v for v, n in Counter(VariantKey.of(row) for row in chosen).items() if n > 1}
        if twice:
            raise ReviewError(
                "choose one service per offer variant: several proposals were approved for "
                + "; ".join(" / ".join(v) for v in sorted(twice))
            )
        return _record(con, connection_id, chosen, "approve", actor, note)


def reject(
    db_path: Path | str,
    connection_id: str,
    proposal_ids: Sequence[int],
    *,
    actor: str,
    note: str | None = None,
) -> list[int]:
    """Reject proposals: the pair is never proposed again for that variant. Returns decision ids.

    Raises:
        ReviewError: an id is unknown or already decided; nothing is recorded then.
    """
    if not proposal_ids:
        raise ReviewError("say which proposals to reject: give their ids")
    with open_store(db_path) as con:
        chosen = _selected(con, connection_id, proposal_ids, None)
        return _record(con, connection_id, chosen, "reject", actor, note)


def decide_manually(
    db_path: Path | str,
    connection_id: str,
    variant: VariantKey,
    *,
    service_id: int | None,
    kind: str,
    actor: str,
    note: str | None = None,
) -> int:
    """Record a hand-made decision (map a variant to a service, or unmap it); apply checks it."""
    if kind not in ("approve", "unmap"):
        raise ReviewError(f"a manual decision maps or unmaps, not {kind!r}")
    if kind == "approve" and service_id is None:
        raise ReviewError("say which service to map the offer to")
    with open_store(db_path) as con, transaction(con):
        return insert_decision(
            con,
            connection_id=connection_id,
            variant=variant,
            service_id=service_id,
            kind="approve" if kind == "approve" else "unmap",
            source="manual",
            actor=actor,
            note=note,
        )
