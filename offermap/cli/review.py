"""`offermap proposals`, `offermap approve`, `offermap reject`: the review of proposals."""

from __future__ import annotations

import json as jsonlib
from typing import Annotated

import typer
from rich.table import Table

from offermap.cli.common import (
    ActorOption,
    ConnectionOption,
    DbOption,
    JsonOption,
    NoteOption,
    actor,
    console,
    print_json,
    target,
)
from offermap.review import approvals as review_lib


def proposals(
    db: DbOption = None,
    connection: ConnectionOption = None,
    all_candidates: Annotated[
        bool, typer.Option("--all", help="Also show candidates not proposed, and why.")
    ] = False,
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help="Show at most this many rows.")
    ] = None,
    json: JsonOption = False,
) -> None:
    """List proposals awaiting a decision, best first per offer variant.

    Each row shows the offer with its provider offer id, the proposed service and score, and
    the matcher's main reasons; `--all` adds the candidates it did not propose, with why.

    Examples:

      offermap proposals --limit 20

      offermap proposals --all --json
    """
    db_path, connection_id = target(db, connection)
    rows = review_lib.list_open_proposals(
        db_path, connection_id, include_not_proposed=all_candidates
    )
    for row in rows:
        row["reasons"] = (
            jsonlib.loads(row["reasons"]) if isinstance(row["reasons"], str) else row["reasons"]
        )
    total = len(rows)
    rows = rows[:limit] if limit else rows
    if json:
        print_json(rows)
        return
    if not rows:
        console.print("No proposals await a decision.")
        return
    shown = f" (first {len(rows)} of {total})" if len(rows) < total else f" ({total})"
    table = Table(title=f"Proposals for connection {connection_id}{shown}")
    for column in (
        "id",
        "offer (provider id)",
        "segment / term / billing",
        "rank",
        "service",
        "score",
        "why",
    ):
        table.add_column(column, overflow="fold")
    for row in rows:
        reasons = row["reasons"].get("reasons", []) if isinstance(row["reasons"], dict) else []
        status = "" if row["status"] == "proposed" else " [dim](not proposed)[/]"
        table.add_row(
            str(row["proposal_id"]),
            f"{row['offer_name']}\n[dim]{row['provider_offer_id'] or ''}[/]",
            f"{row['segment']} / {row['term']} / {row['billing_frequency']}",
            str(row["rank"]),
            f"{row['service_name']} [dim]#{row['service_id']}[/]{status}",
            f"{row['score']:.2f}",
            "; ".join(reasons[:2]),
        )
    console.print(table)
    console.print(
        "Approve with `offermap approve ID...` (or `--min-score 0.9`); "
        "reject with `offermap reject ID...`."
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
    db: DbOption = None,
    connection: ConnectionOption = None,
    who: ActorOption = None,
    note: NoteOption = None,
    json: JsonOption = False,
) -> None:
    """Approve proposals; `offermap apply` then checks them against the rules and maps them.

    Give proposal ids from `offermap proposals`, or --min-score to approve every first-ranked
    proposal scoring at least that much. Nothing is mapped until `offermap apply`.

    Examples:

      offermap approve 12 15 17 --note "checked against the price list"

      offermap approve --min-score 0.9
    """
    db_path, connection_id = target(db, connection)
    decided = review_lib.approve(
        db_path,
        connection_id,
        proposal_ids or None,
        min_score=min_score,
        actor=actor(who),
        note=note,
    )
    if json:
        print_json({"decision_ids": decided})
        return
    console.print(f"Approved {len(decided)} proposals. Run `offermap apply` to map them.")


def reject(
    proposal_ids: Annotated[list[int], typer.Argument(help="Proposal ids to reject.")],
    db: DbOption = None,
    connection: ConnectionOption = None,
    who: ActorOption = None,
    note: NoteOption = None,
    json: JsonOption = False,
) -> None:
    """Reject proposals: that service is never proposed again for that offer variant.

    Example:

      offermap reject 16 --note "that is the Education SKU"
    """
    db_path, connection_id = target(db, connection)
    decided = review_lib.reject(db_path, connection_id, proposal_ids, actor=actor(who), note=note)
    if json:
        print_json({"decision_ids": decided})
        return
    console.print(f"Rejected {len(decided)} proposals; they will not be proposed again.")
