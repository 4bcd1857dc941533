"""`offermap map` and `offermap unmap`: the manual path, decided and applied in one step.

Each run records its decisions and applies them under one store connection, in one
transaction (`offermap.review.manual`): what it prints is what happened to them. Ctrl-C
leaves nothing behind, and says so.
"""

from __future__ import annotations

import signal
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.text import Text

from offermap.cli.common import (
    INTERRUPTED,
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
from offermap.cli.review import stdin_is_terminal
from offermap.cli.tables import literal, say
from offermap.errors import InputError
from offermap.review import manual as manual_lib
from offermap.review.signoff import MAP_WORDS, UNMAP_WORDS, read_signoff

# Unmapping more variants than this at once asks first (or wants --yes).
CONFIRM_ABOVE = 20

VariantArgument = Annotated[
    str | None,
    typer.Argument(
        help="The offer variant: OFFER/SEGMENT/TERM/BILLING, where OFFER is the offer id or the "
        "provider offer id, e.g. CFQ7TTC0LH18:0001/Commercial/OneYear/Monthly",
        show_default=False,
    ),
]
FromCsvOption = Annotated[
    Path | None,
    typer.Option(
        "--from-csv",
        help="A CSV with handle and service_id columns, e.g. `offermap offers --csv` with "
        "service ids filled in; rows with an empty service_id are skipped.",
    ),
]
UnmapFromCsvOption = Annotated[
    Path | None,
    typer.Option(
        "--from-csv",
        help="A CSV with a handle column, e.g. `offermap offers --status mapped --csv`: every "
        "row's offer variant is unmapped.",
    ),
]


def _service_id(value: str | None) -> int | None:
    """Parse SERVICE_ID: a whole number that can be an Autotask id, else one line saying so."""
    if value is None:
        return None
    try:
        number = int(value.strip())
    except ValueError:
        raise manual_lib.ManualError(
            f"{value!r} is not a service id (a whole number): find it with "
            '`offermap services search "<first words>" --offer HANDLE`'
        ) from None
    return manual_lib.check_service_id(number)


def _picks_from_csv(path: Path, kind: str) -> list[manual_lib.Pick]:
    rows = read_signoff(path, allowed=MAP_WORDS if kind == "map" else UNMAP_WORDS)
    picks = []
    for row in rows:
        where = row.where(path)
        if not row.handle:
            raise InputError(f"{where}, column handle: empty: say which offer variant")
        if kind == "map" and row.service_id is None:
            continue  # a sheet of every offer: only the rows given a service are mapped
        if row.service_id is not None:
            try:
                manual_lib.check_service_id(row.service_id)
            except InputError as exc:
                raise InputError(f"{where}, column service_id: {exc}") from None
        picks.append(manual_lib.Pick(row.handle, row.service_id, row.note, where))
    return picks


def _describe(item: dict[str, Any]) -> Text:
    handle = item.get("handle") or " / ".join(item["variant"])
    if item.get("offer_name"):
        text = literal(item["offer_name"])
        text.append(literal(f" ({handle})", style="dim"))
    else:
        text = literal(handle)
    if item.get("service_id") is not None:
        text.append(" → ")
        text.append(literal(item.get("service_name") or "(not in the snapshot)"))
        text.append(f" #{item['service_id']}", style="dim")
    return text


def _report(kind: str, result: dict[str, Any]) -> None:
    for item in result["applied"]:
        line = Text("Mapped ", style="green")
        line.append(_describe(item))
        line.append(f" (decision {item['decision_id']})", style="dim")
        console.print(line)
    for item in result["unchanged"]:
        line = Text("Already mapped: ")
        line.append(_describe(item))
        line.append(" (nothing changed)", style="dim")
        console.print(line)
    for item in result["unmapped"]:
        line = Text("Unmapped ", style="green")
        line.append(_describe(item))
        line.append(f" (decision {item['decision_id']})", style="dim")
        console.print(line)
    for item in result["failed"]:
        line = Text("Refused ", style="bold red")
        line.append(_describe(item))
        line.append(": ")
        line.append(literal(item.get("reason") or ""))
        errors.print(line, highlight=False)
    if kind == "unmap" and result["unmapped"]:
        say(
            console,
            "`offermap proposals` lists candidates for what was unmapped (if the latest sync "
            "ran while it was mapped, after the next `offermap sync`).",
        )


def _interrupted(db_path: Path, connection_id: str, recorded: manual_lib.Recorded) -> None:
    """Say what became of an interrupted map or unmap, and exit 130."""
    # A second Ctrl-C must not cut the read-back short.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    stored = manual_lib.outcome(db_path, connection_id, recorded.decision_ids)
    if not stored:
        errors.print(
            literal(
                "offermap: interrupted: nothing was mapped or unmapped, and no decision was "
                "left waiting for apply; run the same `offermap map`/`offermap unmap` again "
                "when you are ready.",
                style="bold red",
            )
        )
    else:
        done = ", ".join(f"decision {r['decision_id']} {r['state']}" for r in stored)
        errors.print(
            literal(
                f"offermap: interrupted after the decisions were applied ({done}): see "
                "`offermap audit` for what was done.",
                style="bold red",
            )
        )
    sys.exit(INTERRUPTED)


def _run(
    kind: str,
    handles: list[str],
    service_id: str | None,
    from_csv: Path | None,
    yes: bool,
    db: Path | None,
    connection: str | None,
    who: str | None,
    note: str | None,
    json: bool,
) -> None:
    db_path, connection_id = target(db, connection)
    if from_csv is not None:
        if handles:
            raise InputError("give handles or --from-csv, not both")
        picks = _picks_from_csv(from_csv, kind)
        if not picks:
            say(console, f"{from_csv.name} asks to {kind} nothing: nothing was recorded.")
            return
    else:
        number = _service_id(service_id) if kind == "map" else None
        if kind == "map" and number is None:
            raise InputError("say which service: `offermap map HANDLE SERVICE_ID`")
        picks = [manual_lib.Pick(handle, number) for handle in handles]
    if kind == "unmap" and len(picks) > CONFIRM_ABOVE and not (yes or json):
        if not stdin_is_terminal():
            raise InputError(
                f"this would unmap {len(picks):,} offer variants: run it again with --yes; "
                "nothing was recorded"
            )
        if not typer.confirm(f"Unmap {len(picks):,} offer variants?", default=False):
            say(console, "Nothing was recorded.")
            raise typer.Exit(1)
    recorded = manual_lib.Recorded()
    try:
        result = manual_lib.decide_now(
            db_path,
            connection_id,
            picks,
            kind="map" if kind == "map" else "unmap",
            actor=actor(who),
            note=note,
            recorded=recorded,
        )
    except KeyboardInterrupt:
        _interrupted(db_path, connection_id, recorded)
    payload = asdict(result)
    if json:
        print_json(payload)
    else:
        _report(kind, payload)
    if result.failed:
        raise typer.Exit(1)


def map_offer(
    variant: VariantArgument = None,
    service_id: Annotated[
        str | None, typer.Argument(help="The Autotask service id.", show_default=False)
    ] = None,
    from_csv: FromCsvOption = None,
    db: DbOption = None,
    connection: ConnectionOption = None,
    who: ActorOption = None,
    note: NoteOption = None,
    json: JsonOption = False,
) -> None:
    """Map an offer variant to a service now; the rules are checked and the result audited.

    The pick is recorded as a decision and applied at once, through the same rules as
    approved proposals: a mapping that breaks a rule is refused with the rule, what is in the
    way and the command that clears it; either way an audit row "Create Connection Offer
    Mapping" is written. Find the handle with `offermap offers` and the service id with
    `offermap services search`. --from-csv maps every row of a sheet that has a handle and a
    service_id (e.g. `offermap offers --csv` with service ids filled in), in one step.

    Examples:

      offermap map CFQ7TTC0LCHC:0002/Commercial/OneYear/Monthly 29684 \\
        --note "per contract"

      offermap map 5f1c.../Education/OneMonth/Monthly 30012 --json

      offermap map --from-csv offers.csv --note "price list of March"
    """
    if from_csv is None and (variant is None or service_id is None):
        raise InputError(
            "say what to map: `offermap map HANDLE SERVICE_ID` (or --from-csv FILE); "
            "`offermap offers` lists the handles"
        )
    handles = [variant] if variant is not None else []
    _run("map", handles, service_id, from_csv, True, db, connection, who, note, json)


def unmap_offer(
    variants: Annotated[
        list[str] | None,
        typer.Argument(
            help="Offer variants (handles OFFER/SEGMENT/TERM/BILLING) to unmap.",
            show_default=False,
        ),
    ] = None,
    from_csv: UnmapFromCsvOption = None,
    yes: Annotated[
        bool,
        typer.Option("--yes", "-y", help=f"Do not ask before unmapping more than {CONFIRM_ABOVE}."),
    ] = False,
    db: DbOption = None,
    connection: ConnectionOption = None,
    who: ActorOption = None,
    note: NoteOption = None,
    json: JsonOption = False,
) -> None:
    """Remove offer variants' mappings now, each with a "Delete Connection Offer Mapping" row.

    Give one or more handles, or --from-csv with a handle column (e.g. the drifted mappings
    from `offermap health --csv`). They are unmapped in one step; each variant then shows as
    unmapped in `offermap offers`, and the next `offermap sync` proposes services for it.

    Examples:

      offermap unmap CFQ7TTC0LCHC:0002/Commercial/OneYear/Monthly \\
        --note "wrong service"

      offermap unmap HANDLE1 HANDLE2 HANDLE3 --note "moved to the new price list"

      offermap unmap --from-csv drifted.csv --yes
    """
    if from_csv is None and not variants:
        raise InputError(
            "say what to unmap: `offermap unmap HANDLE...` (or --from-csv FILE); "
            "`offermap offers --show-mapped` lists the handles"
        )
    _run("unmap", list(variants or []), None, from_csv, yes, db, connection, who, note, json)
