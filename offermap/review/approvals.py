"""Review: list open proposals, approve or reject them, and take decisions back.

Approvals wait for `apply`, which checks them against the rules. Rejections take effect at
once and are audited. A decision that has not been applied yet can be withdrawn, and a
rejection undone (the pair may then be proposed again); both are audited as well.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from offermap import rules
from offermap.errors import InputError
from offermap.review.handles import resolve_in
from offermap.review.signoff import SignoffError, SignoffRow
from offermap.runs import new_run_id
from offermap.store import open_store, transaction
from offermap.store.acquired import known_variants
from offermap.store.audit import AuditBatch, AuditEntry, append_audit
from offermap.store.decisions import (
    DecisionKind,
    insert_decision,
    insert_decisions,
    list_decisions,
    withdraw_decisions,
)
from offermap.store.health import require_connection
from offermap.store.mappings import mapped_service
from offermap.store.proposals import all_proposals as proposals_of
from offermap.store.proposals import open_proposals, proposals_by_id
from offermap.variants import VariantKey, ambiguous_provider_ids, handle_of


class ReviewError(InputError):
    """A decision could not be recorded; nothing was written."""


# The states a decision can be listed by, as `offermap decisions --state` names them.
DECISION_STATES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # name: (kinds, states)
    "pending": (("approve", "unmap"), ("pending",)),
    "rejected": (("reject",), ("recorded",)),
    "applied": (("approve", "unmap"), ("applied",)),
    "failed": (("approve", "unmap"), ("failed",)),
    "withdrawn": (("approve", "unmap", "reject"), ("withdrawn",)),
}


def list_open_proposals(
    db_path: Path | str, connection_id: str, *, include_not_proposed: bool = False
) -> list[dict[str, Any]]:
    """Proposals awaiting a decision (read-only); alternatives not proposed only on request."""
    with open_store(db_path, read_only=True) as con:
        return open_proposals(
            con, connection_id, status=None if include_not_proposed else "proposed"
        )


def _ambiguous(con: duckdb.DuckDBPyConnection, connection_id: str) -> frozenset[str]:
    return ambiguous_provider_ids(known_variants(con, connection_id))


def _selected(
    con: duckdb.DuckDBPyConnection,
    connection_id: str,
    proposal_ids: Sequence[int] | None,
    min_score: float | None,
) -> list[dict[str, Any]]:
    """The open proposals chosen by id (in the order given) or by score (rank 1 only)."""
    if proposal_ids and min_score is not None:
        # Either selection alone is clear; both at once would silently drop one of them.
        raise ReviewError(
            "give proposal ids (or --from-csv) or --min-score, not both: --min-score picks "
            "every first choice scoring at least that much by itself"
        )
    open_rows = {int(row["proposal_id"]): row for row in open_proposals(con, connection_id)}
    if proposal_ids:
        wanted = list(dict.fromkeys(int(i) for i in proposal_ids))
        missing = [i for i in wanted if i not in open_rows]
        if missing:
            raise ReviewError(_not_open_text(con, connection_id, missing))
        return [open_rows[i] for i in wanted]
    if min_score is None:
        raise ReviewError(
            "say which proposals: give their ids, --min-score for every first choice above a "
            "score, or --from-csv for a signed-off file"
        )
    return [
        row
        for row in open_rows.values()
        if row["status"] == "proposed" and row["rank"] == 1 and float(row["score"]) >= min_score
    ]


def _not_open_text(con: duckdb.DuckDBPyConnection, connection_id: str, ids: list[int]) -> str:
    """Why these proposal ids cannot be decided: unknown, or decided, or mapped since."""
    known = {int(r["proposal_id"]) for r in proposals_by_id(con, connection_id, ids)}
    unknown = [i for i in ids if i not in known]
    closed = [i for i in ids if i in known]
    parts = []
    if unknown:
        parts.append(f"no proposal {', '.join(map(str, unknown))} for connection {connection_id!r}")
    if closed:
        parts.append(
            f"proposal {', '.join(map(str, closed))} is no longer open (already decided, an "
            "approval of its offer waits for apply, or its offer is mapped; see "
            "`offermap decisions`)"
        )
    return "; ".join(parts) + ": list the open ones with `offermap proposals`; nothing was recorded"


def preview(
    db_path: Path | str,
    connection_id: str,
    proposal_ids: Sequence[int] | None = None,
    *,
    min_score: float | None = None,
) -> list[dict[str, Any]]:
    """The open proposals `approve` (or `reject`) would record, with names; writes nothing.

    Raises:
        ReviewError: an id is unknown or no longer open, or nothing says which proposals.
    """
    with open_store(db_path, read_only=True) as con:
        require_connection(con, connection_id)
        chosen = _selected(con, connection_id, proposal_ids, min_score)
        ambiguous = _ambiguous(con, connection_id)
    return [{**row, "handle": handle_of(row, ambiguous)} for row in chosen]


def _record(
    con: duckdb.DuckDBPyConnection,
    connection_id: str,
    chosen: list[dict[str, Any]],
    kind: DecisionKind,
    actor: str,
    note: str | None,
) -> list[int]:
    """Record one decision per chosen proposal, all in one transaction; return their ids.

    A rejection takes effect at once, so it is audited in the same transaction.
    """
    with transaction(con):
        ids = insert_decisions(
            con,
            connection_id=connection_id,
            rows=chosen,
            kind=kind,
            source="proposal",
            actor=actor,
            note=note,
        )
        if kind == "reject":
            ambiguous = _ambiguous(con, connection_id)
            batch = AuditBatch()
            run_id = new_run_id("review")
            now = datetime.now(UTC)
            for decision_id, row in zip(ids, chosen, strict=True):
                append_audit(
                    batch,
                    _review_entry(
                        row,
                        connection_id=connection_id,
                        operation=rules.AUDIT_REJECT_PROPOSAL,
                        actor=actor,
                        note=row.get("note") or note,
                        decision_id=decision_id,
                        run_id=run_id,
                        now=now,
                        handle=handle_of(row, ambiguous),
                        details={"decision_id": decision_id, "proposal_id": row["proposal_id"]},
                    ),
                )
            batch.write(con)
    return ids


def _review_entry(
    row: dict[str, Any],
    *,
    connection_id: str,
    operation: str,
    actor: str,
    note: str | None,
    decision_id: int,
    run_id: str,
    now: datetime,
    handle: str,
    details: dict[str, Any],
) -> AuditEntry:
    return AuditEntry(
        occurred_at=now,
        connection_id=connection_id,
        operation=operation,
        status="Succeeded",
        actor=actor,
        run_id=run_id,
        offer_id=row["offer_id"],
        segment=row["segment"],
        term=row["term"],
        billing_frequency=row["billing_frequency"],
        service_id=row.get("service_id"),
        decision_id=decision_id,
        details=details,
        handle=handle,
        offer_name=row.get("offer_name"),
        provider_offer_id=row.get("provider_offer_id"),
        service_name=row.get("service_name"),
        note=note,
    )


def _noted(rows: list[dict[str, Any]], notes: dict[int, str] | None) -> list[dict[str, Any]]:
    """The rows, each with its own note when `notes` has one for its proposal id."""
    if not notes:
        return rows
    return [
        {**row, "note": notes[int(row["proposal_id"])]} if int(row["proposal_id"]) in notes else row
        for row in rows
    ]


def approve(
    db_path: Path | str,
    connection_id: str,
    proposal_ids: Sequence[int] | None = None,
    *,
    min_score: float | None = None,
    actor: str,
    note: str | None = None,
    notes: dict[int, str] | None = None,
) -> list[int]:
    """Approve proposals by id, or every first-ranked proposal scoring at least `min_score`.

    Approvals wait for `apply`, which checks them against the rules. Returns the decision ids.
    `notes` (proposal id -> note, from a signed-off sheet) win over `note` for their rows.

    Raises:
        ReviewError: an id is unknown or already decided, or two chosen proposals are for the
            same offer variant; nothing is recorded then.
    """
    with open_store(db_path) as con:
        require_connection(con, connection_id)
        chosen = _selected(con, connection_id, proposal_ids, min_score)
        twice = {v for v, n in Counter(VariantKey.of(row) for row in chosen).items() if n > 1}
        if twice:
            ambiguous = _ambiguous(con, connection_id)
            handles = sorted(
                {handle_of(row, ambiguous) for row in chosen if VariantKey.of(row) in twice}
            )
            raise ReviewError(
                "choose one service per offer variant: several proposals were approved for "
                + ", ".join(handles)
                + "; nothing was recorded"
            )
        return _record(con, connection_id, _noted(chosen, notes), "approve", actor, note)


def reject(
    db_path: Path | str,
    connection_id: str,
    proposal_ids: Sequence[int],
    *,
    actor: str,
    note: str | None = None,
    notes: dict[int, str] | None = None,
) -> list[int]:
    """Reject proposals: the pair is not proposed again for that variant (until the rejection
    is undone with `withdraw`). Each rejection is audited. Returns the decision ids.
    `notes` (proposal id -> note) win over `note` for their rows.

    Raises:
        ReviewError: an id is unknown or already decided; nothing is recorded then.
    """
    if not proposal_ids:
        raise ReviewError("say which proposals to reject: give their ids")
    with open_store(db_path) as con:
        require_connection(con, connection_id)
        chosen = _selected(con, connection_id, proposal_ids, None)
        return _record(con, connection_id, _noted(chosen, notes), "reject", actor, note)


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
    """Record a hand-made decision (map a variant to a service, or unmap it); apply checks it.

    The command line maps at once instead (`offermap.review.manual`); this leaves the decision
    pending for the next apply, as a notebook or a script may want.
    """
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


def decisions(
    db_path: Path | str,
    connection_id: str,
    *,
    state: str = "pending",
    limit: int | None = None,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """The connection's decisions in one of DECISION_STATES (or "all"), newest first (read-only).

    Each row has the decision's handle, offer and service names, and `total` (rows matching
    before `limit` and `offset`).

    Raises:
        ReviewError: `state` is not one of DECISION_STATES or "all".
    """
    if state != "all" and state not in DECISION_STATES:
        raise ReviewError(
            f"unknown decision state {state!r}: use one of {', '.join(DECISION_STATES)}, all"
        )
    kinds, states = DECISION_STATES[state] if state != "all" else (None, None)
    with open_store(db_path, read_only=True) as con:
        require_connection(con, connection_id)
        rows = list_decisions(
            con,
            connection_id,
            kinds=kinds,  # type: ignore[arg-type]
            states=states,
            limit=limit,
            offset=offset,
        )
        ambiguous = _ambiguous(con, connection_id)
    return [{**row, "handle": handle_of(row, ambiguous)} for row in rows]


@dataclass(frozen=True)
class Withdrawn:
    """A decision taken back: an approval or unmap before apply, or a rejection undone."""

    decision_id: int
    kind: str
    handle: str
    offer_name: str | None
    service_id: int | None
    service_name: str | None


def _why_not_withdrawable(row: dict[str, Any], handle: str, mapped_to: int | None) -> str:
    decision = f"decision {row['decision_id']}"
    if row["state"] == "withdrawn":
        return f"{decision} was already withdrawn"
    # Say how the variant stands now: a later map or unmap may have changed what it did.
    if mapped_to is None:
        now = f"{handle} is not mapped now; map it with `offermap map {handle} SERVICE_ID`"
    else:
        now = f"{handle} is mapped to service {mapped_to}; undo it with `offermap unmap {handle}`"
    if row["state"] == "applied":
        return f"{decision} is applied: {now}"
    return f"{decision} was refused by apply: nothing to take back"


def _mapped_to(
    con: duckdb.DuckDBPyConnection, connection_id: str, row: dict[str, Any]
) -> int | None:
    variant = (row["offer_id"], row["segment"], row["term"], row["billing_frequency"])
    return mapped_service(con, connection_id=connection_id, variant=variant)


def withdraw(
    db_path: Path | str,
    connection_id: str,
    decision_ids: Sequence[int],
    *,
    actor: str,
    note: str | None = None,
) -> list[Withdrawn]:
    """Take decisions back: approvals and unmaps before `apply`, rejections at any time.

    A withdrawn approval or unmap is never applied; an undone rejection lets the pair be
    proposed again (by the proposals already listed, and by the next sync). Each is audited.
    All or nothing: when one id cannot be taken back, nothing is.

    Raises:
        ReviewError: an id is unknown, or its decision was applied, refused or withdrawn.
    """
    wanted = list(dict.fromkeys(int(i) for i in decision_ids))
    if not wanted:
        raise ReviewError("say which decisions to withdraw: give their ids (`offermap decisions`)")
    with open_store(db_path) as con:
        require_connection(con, connection_id)
        rows = {
            int(r["decision_id"]): r
            for r in list_decisions(con, connection_id, decision_ids=wanted)
        }
        ambiguous = _ambiguous(con, connection_id)
        handles = {i: handle_of(r, ambiguous) for i, r in rows.items()}
        problems = [
            f"no decision {i} for connection {connection_id!r}" for i in wanted if i not in rows
        ]
        problems += [
            _why_not_withdrawable(rows[i], handles[i], _mapped_to(con, connection_id, rows[i]))
            for i in wanted
            if i in rows
            and not (
                rows[i]["state"] == "pending"
                or (rows[i]["kind"] == "reject" and rows[i]["state"] == "recorded")
            )
        ]
        if problems:
            raise ReviewError("; ".join(problems) + "; nothing was withdrawn")
        run_id = new_run_id("review")
        now = datetime.now(UTC)
        with transaction(con):
            withdraw_decisions(con, connection_id, wanted, run_id=run_id, now=now)
            batch = AuditBatch()
            for decision_id in wanted:
                row = rows[decision_id]
                operation = (
                    rules.AUDIT_UNDO_REJECTION
                    if row["kind"] == "reject"
                    else rules.AUDIT_WITHDRAW_DECISION
                )
                append_audit(
                    batch,
                    _review_entry(
                        row,
                        connection_id=connection_id,
                        operation=operation,
                        actor=actor,
                        note=note,
                        decision_id=decision_id,
                        run_id=run_id,
                        now=now,
                        handle=handles[decision_id],
                        details={"decision_id": decision_id, "withdrawn_kind": row["kind"]},
                    ),
                )
            batch.write(con)
    return [
        Withdrawn(
            decision_id=i,
            kind=str(rows[i]["kind"]),
            handle=handles[i],
            offer_name=rows[i].get("offer_name"),
            service_id=rows[i].get("service_id"),
            service_name=rows[i].get("service_name"),
        )
        for i in wanted
    ]


def notes_in_file(ids: Sequence[int], rows: Sequence[SignoffRow]) -> dict[int, str]:
    """Proposal id -> the note its row of a signed-off file gives (rows without one left out).

    `ids` are `proposals_in_file`'s answer for the same rows, in the same order.
    """
    return {i: row.note for i, row in zip(ids, rows, strict=True) if row.note}


def proposals_in_file(
    db_path: Path | str, connection_id: str, path: Path, rows: Sequence[SignoffRow]
) -> list[int]:
    """The open proposal ids the rows of a signed-off file name, in the file's order.

    A row names its proposal by id, or by handle and service id; when it gives both, they must
    agree. Read-only.

    Raises:
        SignoffError: a row names no proposal, a closed one, or disagrees with itself; the
            message gives the file and line.
    """
    with open_store(db_path, read_only=True) as con:
        require_connection(con, connection_id)
        variants = known_variants(con, connection_id)
        by_id = {int(r["proposal_id"]): r for r in proposals_of(con, connection_id)}
        open_ids = {int(r["proposal_id"]) for r in open_proposals(con, connection_id)}
    by_pair = {(VariantKey.of(r), int(r["service_id"])): i for i, r in by_id.items()}
    ids = []
    for row in rows:
        where = row.where(path)
        key = None
        if row.handle:
            try:
                key = resolve_in(variants, connection_id, row.handle)
            except InputError as exc:
                raise SignoffError(f"{where}, column handle: {exc}") from None
        if row.proposal_id is not None:
            found = by_id.get(row.proposal_id)
            if found is None:
                raise SignoffError(
                    f"{where}, column proposal_id: no proposal {row.proposal_id} for connection "
                    f"{connection_id!r}"
                )
            if key is not None and key != VariantKey.of(found):
                raise SignoffError(
                    f"{where}, column handle: {row.handle} is not the offer variant of proposal "
                    f"{row.proposal_id}: correct one of the two"
                )
            if row.service_id is not None and row.service_id != int(found["service_id"]):
                raise SignoffError(
                    f"{where}, column service_id: proposal {row.proposal_id} is for service "
                    f"{found['service_id']}, not {row.service_id}: correct one of the two"
                )
            proposal_id = row.proposal_id
        else:
            if row.service_id is None:
                raise SignoffError(
                    f"{where}, column service_id: empty: with a handle and no proposal_id, "
                    "the row needs the service id"
                )
            assert key is not None  # a row has a proposal id or a handle (read_signoff)
            match = by_pair.get((key, row.service_id))
            if match is None:
                raise SignoffError(
                    f"{where}: service {row.service_id} is not proposed for {row.handle}: map it "
                    f"by hand with `offermap map {row.handle} {row.service_id}`"
                )
            proposal_id = match
        if proposal_id not in open_ids:
            raise SignoffError(
                f"{where}: proposal {proposal_id} is no longer open (already decided, an "
                "approval of its offer waits for apply, or its offer is mapped): take the row "
                "out, or see `offermap decisions`"
            )
        ids.append(proposal_id)
    return ids
