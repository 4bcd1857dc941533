"""`offermap audit`: every mapping operation, Succeeded or Failed, with who, what and why."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.text import Text

from offermap import rules
from offermap.cli.common import (
    CsvOption,
    JsonOption,
    LimitOption,
    NoPagerOption,
    OffsetOption,
    console,
    print_json,
)
from offermap.cli.csv_output import write_csv
from offermap.cli.tables import DEFAULT_LIMIT, Column, Listing, lines, literal, say, show
from offermap.errors import InputError
from offermap.reports.audit_log import AUDIT_FIELDS, read_audit
from offermap.settings import SettingsError, connection_slug_problem, load_offermap_settings
from offermap.store.audit import AuditFilter
from offermap.variants import parse_handle


class AuditStatus(StrEnum):
    """An audit row's status."""

    SUCCEEDED = "Succeeded"
    FAILED = "Failed"


# The short word each operation is shown by in a table (the full name is in --json/--csv).
_SHORT = {
    full: word
    for word, full in rules.AUDIT_OPERATION_WORDS.items()
    if word not in ("create", "delete")
}
_RELATIVE = re.compile(r"^(\d+)\s*([dhw])$")
CSV_COLUMNS = (*(name for name in AUDIT_FIELDS if name != "details"), "reason")


def _operations(values: list[str] | None) -> tuple[str, ...] | None:
    if not values:
        return None
    chosen = []
    for value in values:
        text = value.strip()
        word = rules.AUDIT_OPERATION_WORDS.get(text.lower())
        full = next((op for op in rules.AUDIT_OPERATIONS if op.lower() == text.lower()), None)
        if word is None and full is None:
            raise InputError(
                f"unknown operation {value!r}: use one of "
                f"{', '.join(rules.AUDIT_OPERATION_WORDS)} or the full names "
                f"({'; '.join(rules.AUDIT_OPERATIONS)})"
            )
        chosen.append(word or full or text)
    return tuple(dict.fromkeys(chosen))


def parse_when(value: str | None, option: str, *, end: bool = False) -> datetime | None:
    """A time given as 2026-11-30, 2026-11-30T14:00, or 7d / 12h / 2w ago (UTC).

    A date alone with `end` means the end of that day, so `--until 2026-11-30` includes it.
    """
    if value is None:
        return None
    text = value.strip()
    relative = _RELATIVE.match(text.lower())
    if relative:
        amount, unit = int(relative.group(1)), relative.group(2)
        delta = {"d": timedelta(days=amount), "h": timedelta(hours=amount)}.get(
            unit, timedelta(weeks=amount)
        )
        return datetime.now(UTC) - delta
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InputError(
            f"{option} {value!r} is not a time: write a date (2026-11-30), a date and time "
            "(2026-11-30T14:00, UTC unless it says otherwise) or a span back from now (7d, 12h, 2w)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if end and len(text) == 10:  # a date alone: through the end of that day
        moment += timedelta(days=1)
    return moment


def _offer_filter(offer: str | None) -> tuple[str | None, tuple[str, str, str, str] | None]:
    if not offer:
        return None, None
    if offer.count("/") == 3:
        ref = parse_handle(offer)
        return None, (ref.offer, ref.segment, ref.term, ref.billing_frequency)
    return offer.strip(), None


def _reason(row: dict[str, Any]) -> str:
    details = row.get("details") or {}
    if details.get("reason"):
        return str(details["reason"])
    if details.get("outcome"):
        return str(details["outcome"])
    verdicts = details.get("verdicts") or {}
    if verdicts and all(v == "passed" for v in verdicts.values()):
        return "every rule passed"
    return ""


def _short(operation: str) -> str:
    return _SHORT.get(operation, operation)


def _status(row: dict[str, Any]) -> Text:
    return literal(row["status"], style="red" if row["status"] == "Failed" else "green")


def _offer(row: dict[str, Any]) -> Text:
    return lines(literal(row["handle"]), literal(row["offer_name"], style="dim"))


def _service(row: dict[str, Any]) -> Text:
    if row["service_id"] is None:
        return Text("")
    return lines(literal(row["service_name"] or ""), literal(f"#{row['service_id']}", style="dim"))


def _details(row: dict[str, Any]) -> Text:
    parts: list[Text | str] = []
    reason = _reason(row)
    if reason:
        parts.append(literal(reason, style="red" if row["status"] == "Failed" else ""))
    if row.get("note"):
        parts.append(literal(f"note: {row['note']}", style="italic"))
    return lines(*parts)


def _compact(row: dict[str, Any], connections: bool) -> list[Text]:
    head = literal(row["occurred_at"][:19].replace("T", " "), style="bold")
    head.append(f"  {_short(row['operation'])}  ")
    head.append(_status(row))
    head.append(literal(f"  by {row['actor']}", style="dim"))
    if connections:
        head.append(literal(f"  ({row['connection_id']})", style="dim"))
    out = [head]
    if row["handle"]:
        offer = literal(row["handle"])
        if row["offer_name"]:
            offer.append(literal(f"  {row['offer_name']}", style="dim"))
        out.append(offer)
    if row["service_id"] is not None:
        service = Text("→ ")
        service.append(literal(row["service_name"] or "(no name recorded)"))
        service.append(f" #{row['service_id']}", style="dim")
        out.append(service)
    details = _details(row)
    if details.plain:
        out.append(details)
    return out


def audit_listing(title: str, connections: bool) -> Listing:
    """How `offermap audit` shows its rows; `connections` adds the connection column."""
    columns = [
        Column("when (UTC)", lambda r: literal(r["occurred_at"][:19].replace("T", " ")), "id"),
        Column("operation", lambda r: literal(_short(r["operation"])), "id"),
        Column("status", _status, "id"),
        Column("by", lambda r: literal(r["actor"]), "text", 8),
        Column("offer variant", _offer, "id"),
        Column("service", _service, "text", 14),
        Column("reason / note", _details, "text", 16),
    ]
    if connections:
        columns.insert(3, Column("connection", lambda r: literal(r["connection_id"]), "id"))
    return Listing(title, columns, lambda row: _compact(row, connections))


def audit(
    operation: Annotated[
        list[str] | None,
        typer.Option(
            "--operation",
            help="map, unmap, reject, withdraw or undo-reject (or the full operation name); "
            "repeat for several.",
        ),
    ] = None,
    status: Annotated[
        AuditStatus | None,
        typer.Option("--status", case_sensitive=False, help="Succeeded or Failed (any case)."),
    ] = None,
    offer: Annotated[
        str | None,
        typer.Option(help="A handle, or a part of the offer's name or provider offer id."),
    ] = None,
    service: Annotated[
        str | None, typer.Option(help="A service id, or a part of the service's name.")
    ] = None,
    who: Annotated[str | None, typer.Option("--actor", help="Who decided (any case).")] = None,
    since: Annotated[
        str | None, typer.Option(help="From this time: 2026-11-30, 2026-11-30T14:00, or 7d ago.")
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="Until this time (a date alone includes that day).")
    ] = None,
    connection: Annotated[
        str | None, typer.Option("--connection", "-c", help="Only this connection (default: all)")
    ] = None,
    limit: LimitOption = None,
    offset: OffsetOption = 0,
    db: Annotated[Path | None, typer.Option("--db", help="DuckDB file [env: OFFERMAP_DB]")] = None,
    json: JsonOption = False,
    csv: CsvOption = False,
    no_pager: NoPagerOption = False,
) -> None:
    """Show the audit log, newest first: what was done, to which offer and service, by whom.

    Every map, unmap, rejection and withdrawal has a row, Succeeded or Failed, with the offer
    variant's handle and name and the service's id and name as they were at the time, who
    did it, the note they gave, and for a refusal the rule and what was in the way.

    Examples:

      offermap audit --status failed

      offermap audit --operation unmap --since 7d

      offermap audit --offer CFQ7TTC0LCHC:0002/Commercial/OneYear/Monthly

      offermap audit --actor ana --since 2026-11-01 --until 2026-11-30 \\
        --csv > november.csv
    """
    db_path = db or load_offermap_settings().db
    if connection is not None:
        problem = connection_slug_problem(connection)
        if problem:
            raise SettingsError(f"--connection {problem}")
    offer_text, handle_parts = _offer_filter(offer)
    service_text = service.strip() if service else None
    if service_text and service_text.startswith("#"):
        service_text = service_text[1:]
    where = AuditFilter(
        connection_id=connection,
        operations=_operations(operation),
        status=status.value if status else None,
        actor=who,
        offer_text=offer_text,
        handle_parts=handle_parts,
        service_text=service_text,
        since=parse_when(since, "--since"),
        until=parse_when(until, "--until", end=True),
    )
    table = not (json or csv)
    shown = limit if limit is not None else (DEFAULT_LIMIT if table else None)
    rows = read_audit(db_path, limit=shown or None, offset=offset, where=where)
    total = int(rows[0]["total"]) if rows else 0
    for row in rows:
        row.pop("total", None)
    if json:
        print_json(rows)
        return
    if csv:
        write_csv(({**r, "reason": _reason(r)} for r in rows), CSV_COLUMNS)
        return
    if not rows:
        say(console, "No audit rows match." if offset == 0 else f"No rows from --offset {offset}.")
        return
    connections = len({r["connection_id"] for r in rows}) > 1
    scope = f"connection {connection}" if connection else "all connections"
    show(
        console,
        audit_listing(f"Audit log of {scope} ({total:,} rows)", connections),
        rows,
        total=total,
        offset=offset,
        pager=not no_pager,
    )
