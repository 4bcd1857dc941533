"""`offermap proposals`, `approve`, `reject`, `decisions`, `withdraw`: the review of proposals."""

from __future__ import annotations

import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.text import Text

from offermap.cli.common import (
    ActorOption,
    ConnectionOption,
    CsvOption,
    CustomerOption,
    DbOption,
    FamilyOption,
    JsonOption,
    LimitOption,
    NoPagerOption,
    NoteOption,
    OffsetOption,
    SegmentOption,
    actor,
    console,
    counted,
    print_json,
    target,
)
from offermap.cli.csv_output import write_csv
from offermap.cli.tables import DEFAULT_LIMIT, Column, Listing, lines, literal, say, show
from offermap.errors import InputError
from offermap.review import approvals as review_lib
from offermap.review.queue import ProposalFilter, list_proposals, with_reasons
from offermap.review.signoff import APPROVE_WORDS, REJECT_WORDS, read_signoff

# Above this many proposals, approve and reject ask before recording (or want --yes).
CONFIRM_ABOVE = 20
# Reasons a table shows per side; --json and --csv carry them all.
_SHOWN_REASONS = 2
# The past tense of a review verb, for the line each decision gets.
_PAST = {"approve": "Approved", "reject": "Rejected"}

PROPOSAL_CSV_COLUMNS: tuple[str, ...] = (
    "proposal_id",
    "handle",
    "offer_name",
    "provider_offer_id",
    "segment",
    "term",
    "billing_frequency",
    "rank",
    "service_id",
    "service_name",
    "score",
    "status",
    "for",
    "against",
    "customers",
    # Left empty for the approver: approve or reject per row, then `--from-csv`.
    "decision",
    "note",
    "offer_id",
)
DECISION_CSV_COLUMNS: tuple[str, ...] = (
    "decision_id",
    "kind",
    "state",
    "handle",
    "offer_name",
    "service_id",
    "service_name",
    "actor",
    "decided_at",
    "note",
    "proposal_id",
    "source",
    "resolved_at",
    "resolved_run_id",
    "offer_id",
    "segment",
    "term",
    "billing_frequency",
)

FromCsvOption = Annotated[
    Path | None,
    typer.Option(
        "--from-csv",
        help="A signed-off CSV (from `offermap proposals --csv`): rows whose decision column "
        "says so, or every row when it has no decision column.",
    ),
]
DryRunOption = Annotated[
    bool, typer.Option("--dry-run", help="List what would be recorded; record nothing.")
]
YesOption = Annotated[
    bool,
    typer.Option("--yes", "-y", help=f"Do not ask before recording more than {CONFIRM_ABOVE}."),
]


class ConfirmationNeeded(InputError):
    """Many decisions at once, and no terminal to ask: --dry-run first, then --yes."""


def _service(row: dict[str, Any]) -> Text:
    text = literal(row.get("service_name") or "(not in the snapshot)")
    text.append(f" #{row['service_id']}", style="dim")
    return text


def _why(row: dict[str, Any], limit: int | None = _SHOWN_REASONS) -> Text:
    supporting = row["for"][:limit] if limit else row["for"]
    against = row["against"][:limit] if limit else row["against"]
    parts: list[Text | str] = []
    if supporting:
        parts.append(literal("+ " + "; ".join(supporting), style="green"))
    if against:
        parts.append(literal("- " + "; ".join(against), style="red"))
    if row["status"] != "proposed":
        parts.append(literal("(not proposed)", style="dim"))
    return lines(*parts)


def _compact(row: dict[str, Any]) -> list[Text]:
    head = literal(f"#{row['proposal_id']}", style="bold")
    head.append("  ")
    head.append(literal(row["handle"]))
    head.append(f"  score {row['score']:.2f}  rank {row['rank']}", style="dim")
    service = Text("→ ")
    service.append(_service(row))
    return [head, literal(row["offer_name"]), service, _why(row)]


def proposals_listing(title: str) -> Listing:
    """How `offermap proposals` (and a dry run) shows its rows."""
    return Listing(
        title,
        [
            Column("id", lambda r: literal(r["proposal_id"]), "number"),
            Column("offer", lambda r: literal(r["offer_name"]), "text", 14),
            Column("handle (offer/segment/term/billing)", lambda r: literal(r["handle"]), "id"),
            Column("service", _service, "text", 14),
            Column("score", lambda r: literal(f"{r['score']:.2f}"), "number"),
            Column("rank", lambda r: literal(r["rank"]), "number"),
            Column("why: + for, - against", _why, "text", 16),
        ],
        _compact,
    )


def _proposal_csv(row: dict[str, Any]) -> dict[str, Any]:
    return {
        **row,
        "score": round(float(row["score"]), 4),
        "for": "; ".join(row["for"]),
        "against": "; ".join(row["against"]),
        "customers": row.get("customers"),
        "decision": None,
        "note": None,
    }


def _page(rows: list[Any], limit: int | None, offset: int, table: bool) -> list[Any]:
    shown = limit if limit is not None else (DEFAULT_LIMIT if table else 0)
    return rows[offset:][:shown] if shown else rows[offset:]


def proposals(
    all_candidates: Annotated[
        bool, typer.Option("--all", help="Also show candidates not proposed, and why.")
    ] = False,
    search: Annotated[
        str | None,
        typer.Option("--search", "-s", help="Only offers or services whose name contains this."),
    ] = None,
    segment: SegmentOption = None,
    family: FamilyOption = None,
    customer: CustomerOption = None,
    min_score: Annotated[
        float | None, typer.Option("--min-score", min=0.0, max=1.0, help="Score at least this.")
    ] = None,
    max_score: Annotated[
        float | None, typer.Option("--max-score", min=0.0, max=1.0, help="Score at most this.")
    ] = None,
    limit: LimitOption = None,
    offset: OffsetOption = 0,
    db: DbOption = None,
    connection: ConnectionOption = None,
    json: JsonOption = False,
    csv: CsvOption = False,
    no_pager: NoPagerOption = False,
) -> None:
    """List proposals awaiting a decision, best first per offer variant.

    Each row shows the proposal id (stable across syncs), the offer and its handle, the
    proposed service and score, and why: what counted for the service (+) and against it (-).
    `--all` adds the candidates the matcher did not propose, with why not. `--csv` writes the
    queue for a spreadsheet with an empty decision column: write approve or reject in it,
    then hand the file back with `offermap approve --from-csv` / `offermap reject --from-csv`.

    Examples:

      offermap proposals --limit 20

      offermap proposals --segment Education --min-score 0.9

      offermap proposals --csv > review.csv

      offermap proposals --all --json
    """
    db_path, connection_id = target(db, connection)
    rows = list_proposals(
        db_path,
        connection_id,
        ProposalFilter(
            include_not_proposed=all_candidates,
            search=search,
            segment=segment,
            family=family,
            customer=customer,
            min_score=min_score,
            max_score=max_score,
        ),
    )
    if json:
        print_json(_page(rows, limit, offset, table=False))
        return
    if csv:
        write_csv(
            (_proposal_csv(r) for r in _page(rows, limit, offset, table=False)),
            PROPOSAL_CSV_COLUMNS,
        )
        return
    if not rows:
        say(
            console,
            "No proposals await a decision"
            + (
                " with these filters."
                if (
                    search
                    or segment
                    or family
                    or customer
                    or min_score is not None
                    or max_score is not None
                )
                else ". Approvals waiting for apply: `offermap decisions`."
            ),
        )
        return
    show(
        console,
        proposals_listing(f"Proposals for connection {connection_id} ({len(rows):,})"),
        _page(rows, limit, offset, table=True),
        total=len(rows),
        offset=offset,
        pager=not no_pager,
        after=[
            "Approve with `offermap approve ID...` (or `--min-score 0.9`, previewed with "
            "--dry-run); reject with `offermap reject ID...`; or sign off a sheet: "
            "`offermap proposals --csv > review.csv`, then `offermap approve --from-csv "
            "review.csv`."
        ],
    )


def _chosen_ids(
    db_path: Path,
    connection_id: str,
    proposal_ids: list[int] | None,
    from_csv: Path | None,
    words: frozenset[str],
) -> tuple[list[int] | None, dict[int, str]]:
    """The proposal ids to decide, and the notes a signed-off file gives some of them."""
    if from_csv is None:
        return proposal_ids or None, {}
    if proposal_ids:
        raise review_lib.ReviewError("give proposal ids or --from-csv, not both")
    rows = read_signoff(from_csv, allowed=words)
    ids = review_lib.proposals_in_file(db_path, connection_id, from_csv, rows)
    return ids, review_lib.notes_in_file(ids, rows)


def stdin_is_terminal() -> bool:
    """Whether a person can answer a question on stdin."""
    return sys.stdin.isatty()


def _confirm(verb: str, count: int, yes: bool) -> None:
    if yes or count <= CONFIRM_ABOVE:
        return
    if not stdin_is_terminal():
        raise ConfirmationNeeded(
            f"this would {verb} {count:,} proposals: look at them first with --dry-run, then "
            "run the command again with --yes; nothing was recorded"
        )
    if not typer.confirm(f"{verb.capitalize()} {count:,} proposals?", default=False):
        say(console, "Nothing was recorded.")
        raise typer.Exit(1)


def _preview(title: str, chosen: list[dict[str, Any]], verb: str) -> None:
    rows = [with_reasons(r) for r in chosen]
    # Every row, through the pager on a terminal: a dry run is read before saying yes.
    show(
        console,
        proposals_listing(title),
        rows,
        after=[
            f"Nothing was recorded (--dry-run). To {verb} them, run it again without --dry-run."
        ],
    )


def _decide(
    verb: str,
    proposal_ids: list[int] | None,
    min_score: float | None,
    from_csv: Path | None,
    dry_run: bool,
    yes: bool,
    db: Path | None,
    connection: str | None,
    who: str | None,
    note: str | None,
    json: bool,
) -> None:
    db_path, connection_id = target(db, connection)
    words = APPROVE_WORDS if verb == "approve" else REJECT_WORDS
    ids, notes = _chosen_ids(db_path, connection_id, proposal_ids, from_csv, words)
    if from_csv is not None and not ids:
        say(console, f"{from_csv.name} asks to {verb} no proposal: nothing was recorded.")
        return
    chosen = review_lib.preview(db_path, connection_id, ids, min_score=min_score)
    if dry_run:
        if json:
            print_json({"would_" + verb: chosen})
        elif chosen:
            _preview(f"Would {verb} {counted(len(chosen), 'proposal')}", chosen, verb)
        else:
            say(console, f"No open proposal to {verb}: nothing would be recorded.")
        return
    if not chosen:
        say(
            console,
            f"No open first-ranked proposal scores at least {min_score}: nothing to {verb}.",
        )
        return
    _confirm(verb, len(chosen), yes or json)
    chosen_ids = [int(r["proposal_id"]) for r in chosen]
    if verb == "approve":
        decided = review_lib.approve(
            db_path, connection_id, chosen_ids, actor=actor(who), note=note, notes=notes
        )
    else:
        decided = review_lib.reject(
            db_path, connection_id, chosen_ids, actor=actor(who), note=note, notes=notes
        )
    if json:
        print_json(
            {
                "decision_ids": decided,
                "proposals": [
                    {
                        "proposal_id": r["proposal_id"],
                        "decision_id": d,
                        "handle": r["handle"],
                        "offer_name": r["offer_name"],
                        "service_id": r["service_id"],
                        "service_name": r["service_name"],
                    }
                    for r, d in zip(chosen, decided, strict=True)
                ],
            }
        )
        return
    for row, decision in zip(chosen[:10], decided, strict=False):
        line = literal(f"{_PAST[verb]} {row['handle']} → ")
        line.append(_service(row))
        line.append(f"  (proposal {row['proposal_id']}, decision {decision})", style="dim")
        console.print(line)
    if len(chosen) > 10:
        say(console, f"... and {len(chosen) - 10:,} more (`offermap decisions` lists them).")
    if verb == "approve":
        say(
            console,
            f"Approved {counted(len(decided), 'proposal')}. Run `offermap apply` to map them; "
            "`offermap withdraw DECISION_ID` takes one back before that.",
        )
    else:
        say(
            console,
            f"Rejected {counted(len(decided), 'proposal')}; they will not be proposed again "
            "(`offermap withdraw DECISION_ID` undoes a rejection).",
        )


def approve(
    proposal_ids: Annotated[
        list[int] | None, typer.Argument(help="Proposal ids to approve.")
    ] = None,
    min_score: Annotated[
        float | None,
        typer.Option(
            "--min-score",
            min=0.0,
            max=1.0,
            help="Approve every first-ranked proposal scoring at least this.",
        ),
    ] = None,
    from_csv: FromCsvOption = None,
    dry_run: DryRunOption = False,
    yes: YesOption = False,
    db: DbOption = None,
    connection: ConnectionOption = None,
    who: ActorOption = None,
    note: NoteOption = None,
    json: JsonOption = False,
) -> None:
    """Approve proposals; `offermap apply` then checks them against the rules and maps them.

    Give proposal ids from `offermap proposals`, --min-score to approve every first-ranked
    proposal scoring at least that much, or --from-csv with a signed-off sheet (rows whose
    decision column says approve). --dry-run lists what would be approved; above
    20 proposals the command asks first (--yes skips the question). Nothing is mapped until
    `offermap apply`; `offermap withdraw DECISION_ID` takes an approval back before that.

    Examples:

      offermap approve 12 15 17 --note "checked against the price list"

      offermap approve --min-score 0.9 --dry-run

      offermap approve --from-csv review.csv --note "signed off by finance"
    """
    _decide(
        "approve", proposal_ids, min_score, from_csv, dry_run, yes, db, connection, who, note, json
    )


def reject(
    proposal_ids: Annotated[
        list[int] | None, typer.Argument(help="Proposal ids to reject.")
    ] = None,
    from_csv: FromCsvOption = None,
    dry_run: DryRunOption = False,
    yes: YesOption = False,
    db: DbOption = None,
    connection: ConnectionOption = None,
    who: ActorOption = None,
    note: NoteOption = None,
    json: JsonOption = False,
) -> None:
    """Reject proposals: that service is not proposed again for that offer variant.

    Each rejection is audited ("Reject Offer Mapping Proposal"). `offermap withdraw
    DECISION_ID` undoes one: the pair may be proposed again.

    Examples:

      offermap reject 16 --note "that is the Education SKU"

      offermap reject --from-csv review.csv
    """
    if not proposal_ids and from_csv is None:
        raise review_lib.ReviewError(
            "say which proposals to reject: give their ids, or --from-csv for a signed-off file"
        )
    _decide("reject", proposal_ids, None, from_csv, dry_run, yes, db, connection, who, note, json)


_KIND_WORDS = {"approve": "map", "unmap": "unmap", "reject": "reject"}


def _kind(row: dict[str, Any]) -> str:
    """approve (a proposal), map (by hand), unmap or reject."""
    if row["kind"] == "approve" and row.get("source") == "proposal":
        return "approve"
    kind = str(row["kind"])
    return _KIND_WORDS.get(kind, kind)


def _decision_service(row: dict[str, Any]) -> Text:
    if row.get("service_id") is None:
        return Text("")
    return _service(row)


def _decision_compact(row: dict[str, Any]) -> list[Text]:
    head = literal(f"decision {row['decision_id']}", style="bold")
    head.append(f"  {_kind(row)}  {row['state']}  ")
    head.append(literal(row["handle"]))
    out = [head, literal(row["offer_name"] or row["offer_id"])]
    if row.get("service_id") is not None:
        service = Text("→ ")
        service.append(_service(row))
        out.append(service)
    by = literal(f"by {row['actor']} at {str(row['decided_at'])[:19]}", style="dim")
    if row.get("note"):
        by.append(literal(f"; note: {row['note']}", style="dim"))
    out.append(by)
    return out


def decisions_listing(title: str) -> Listing:
    """How `offermap decisions` shows its rows."""
    return Listing(
        title,
        [
            Column("decision", lambda r: literal(r["decision_id"]), "number"),
            Column("kind", lambda r: literal(_kind(r)), "id"),
            Column("state", lambda r: literal(r["state"]), "id"),
            Column("handle (offer/segment/term/billing)", lambda r: literal(r["handle"]), "id"),
            Column("offer", lambda r: literal(r["offer_name"] or r["offer_id"]), "text", 12),
            Column("service", _decision_service, "text", 12),
            Column("by", lambda r: literal(r["actor"]), "text", 8),
            Column("when (UTC)", lambda r: literal(str(r["decided_at"])[:16]), "id"),
            Column("note", lambda r: literal(r.get("note")), "text", 8),
        ],
        _decision_compact,
    )


# What to do next with the decisions of each listed state.
_DECISION_NEXT = {
    "pending": [
        "Take one back with `offermap withdraw DECISION_ID`; apply them with `offermap apply`."
    ],
    "rejected": ["Undo a rejection with `offermap withdraw DECISION_ID`."],
    "all": ["Pending and rejected ones can be taken back with `offermap withdraw DECISION_ID`."],
}


def decisions(
    state: Annotated[
        str,
        typer.Option(
            "--state",
            help="pending (waiting for apply), rejected, applied, failed, withdrawn, or all.",
        ),
    ] = "pending",
    limit: LimitOption = None,
    offset: OffsetOption = 0,
    db: DbOption = None,
    connection: ConnectionOption = None,
    json: JsonOption = False,
    csv: CsvOption = False,
    no_pager: NoPagerOption = False,
) -> None:
    """List decisions: by default the approvals and unmaps waiting for `offermap apply`.

    `--state rejected` lists the rejections in force. Any of these can be taken back with
    `offermap withdraw DECISION_ID`: a pending approval or unmap is then never applied, and
    a rejected pair may be proposed again.

    Examples:

      offermap decisions

      offermap decisions --state rejected

      offermap decisions --state all --csv > decisions.csv
    """
    db_path, connection_id = target(db, connection)
    table = not (json or csv)
    shown = limit if limit is not None else (DEFAULT_LIMIT if table else None)
    rows = review_lib.decisions(
        db_path, connection_id, state=state.strip().lower(), limit=shown or None, offset=offset
    )
    total = int(rows[0]["total"]) if rows else 0
    for row in rows:
        row.pop("total", None)
    if json:
        print_json(rows)
        return
    if csv:
        write_csv(rows, DECISION_CSV_COLUMNS)
        return
    if not rows:
        say(console, f"No {state} decision." if offset == 0 else f"No rows from --offset {offset}.")
        return
    show(
        console,
        decisions_listing(
            f"{state.capitalize()} decisions of connection {connection_id} ({total:,})"
        ),
        rows,
        total=total,
        offset=offset,
        pager=not no_pager,
        after=_DECISION_NEXT.get(state.strip().lower(), []),
    )


def withdraw(
    decision_ids: Annotated[list[int], typer.Argument(help="Decision ids to take back.")],
    db: DbOption = None,
    connection: ConnectionOption = None,
    who: ActorOption = None,
    note: NoteOption = None,
    json: JsonOption = False,
) -> None:
    """Take decisions back: an approval or unmap before `offermap apply`, or a rejection.

    A withdrawn approval or unmap is never applied. An undone rejection lets the pair be
    proposed again: `offermap proposals` lists it again if the latest sync kept it, and the
    next sync proposes it if it still fits. Find the ids with `offermap decisions` (or
    `--state rejected`). Each withdrawal is audited; when one id cannot be taken back (it was
    applied: unmap instead), nothing is.

    Examples:

      offermap withdraw 41 42 --note "wrong tenant"

      offermap withdraw 17
    """
    db_path, connection_id = target(db, connection)
    done = review_lib.withdraw(db_path, connection_id, decision_ids, actor=actor(who), note=note)
    if json:
        print_json([asdict(w) for w in done])
        return
    for item in done:
        verb = {"approve": "Withdrew the approval", "unmap": "Withdrew the unmap"}.get(
            item.kind, "Undid the rejection"
        )
        line = literal(f"{verb} of decision {item.decision_id}: {item.handle}")
        if item.service_id is not None:
            line.append(" → ")
            line.append(literal(item.service_name or "(not in the snapshot)"))
            line.append(f" #{item.service_id}", style="dim")
        console.print(line)
    if any(item.kind == "reject" for item in done):
        say(console, "A pair no longer rejected shows in `offermap proposals` while it fits.")
