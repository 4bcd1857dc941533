"""`offermap map` and `offermap unmap`: the manual path, through the same decisions and apply."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import typer

from offermap.cli.common import (
    ActorOption,
    ConnectionOption,
    DbOption,
    JsonOption,
    NoteOption,
    actor,
    console,
    errors,
    print_json,
    target,
)
from offermap.review import approvals as review_lib
from offermap.review.handles import resolve_handle
from offermap.runs import new_run_id

VariantArgument = Annotated[
    str,
    typer.Argument(
        help="The offer variant: OFFER/SEGMENT/TERM/BILLING, where OFFER is the offer id or the "
        "provider offer id, e.g. CFQ7TTC0LH18:0001/Commercial/OneYear/Monthly"
    ),
]


def _run(
    kind: str,
    variant: str,
    service_id: int | None,
    db: DbOption,
    connection: ConnectionOption,
    who: str | None,
    note: str | None,
    json: bool,
) -> None:
    db_path, connection_id = target(db, connection)
    # Imported here: apply loads pandas, which listing commands never need.
    from offermap.apply.batch import apply_decisions
    from offermap.apply.rule_check import check_decision_facts

    key = resolve_handle(db_path, connection_id, variant)
    decision = review_lib.decide_manually(
        db_path, connection_id, key, service_id=service_id, kind=kind, actor=actor(who), note=note
    )
    # One decision: the fast check gives the rules suite's verdicts without loading GX.
    result = apply_decisions(
        db_path,
        connection_id,
        new_run_id("manual"),
        rules_check=check_decision_facts,
        decision_ids=[decision],
    )
    if json:
        print_json(asdict(result))
    if result.failed:
        failed = result.failed[0]
        if not json:
            errors.print(f"[bold red]Refused[/] {' / '.join(key)}: {failed['reason']}")
        raise typer.Exit(1)
    if not json:
        verb = "Unmapped" if kind == "unmap" else "Mapped"
        target_text = "" if kind == "unmap" else f" to service {service_id}"
        console.print(f"{verb} {' / '.join(key)}{target_text} (decision {decision}).")


def map_offer(
    variant: VariantArgument,
    service_id: Annotated[int, typer.Argument(help="The Autotask service id.")],
    db: DbOption = None,
    connection: ConnectionOption = None,
    who: ActorOption = None,
    note: NoteOption = None,
    json: JsonOption = False,
) -> None:
    """Map an offer variant to a service now; the rules are checked and the result audited.

    The pick is recorded as a decision and applied at once, through the same rules suite as
    approved proposals: a mapping that breaks a rule is refused with the rule and why, and
    either way an audit row "Create Connection Offer Mapping" is written. Find the handle with
    `offermap offers` and the service id with `offermap services search`.

    Examples:

      offermap map CFQ7TTC0LCHC:0002/Commercial/OneYear/Monthly 29684 --note "per contract"

      offermap map 5f1c.../Education/OneMonth/Monthly 30012 --json
    """
    _run("approve", variant, service_id, db, connection, who, note, json)


def unmap_offer(
    variant: VariantArgument,
    db: DbOption = None,
    connection: ConnectionOption = None,
    who: ActorOption = None,
    note: NoteOption = None,
    json: JsonOption = False,
) -> None:
    """Remove an offer variant's mapping now, with a "Delete Connection Offer Mapping" audit row.

    The variant shows as unmapped again in `offermap offers`, and the next `offermap sync`
    proposes services for it.

    Example:

      offermap unmap CFQ7TTC0LCHC:0002/Commercial/OneYear/Monthly --note "wrong service"
    """
    _run("unmap", variant, None, db, connection, who, note, json)
