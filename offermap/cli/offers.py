"""`offermap offers`: the acquired offer variants, as on CloudCockpit's Offer Mapping page."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from offermap.acquired.listing import list_acquired
from offermap.cli.common import ConnectionOption, DbOption, JsonOption, console, print_json, target

_STATUS_STYLE = {
    "mapped": "green",
    "unmapped": "yellow",
    "not_required": "dim",
    "unsupported": "red",
}


def _status(row: dict[str, Any]) -> str:
    style = _STATUS_STYLE.get(row["mapping_status"], "")
    text = f"[{style}]{row['mapping_status']}[/]" if style else row["mapping_status"]
    if row.get("support_rule"):
        text += f"\n[dim]{escape(row['support_rule'])}[/]"
    return text


def _service(row: dict[str, Any]) -> str:
    if row["mapped_service_id"] is None:
        return ""
    name = escape(row["mapped_service_name"] or "(not in the snapshot)")
    return f"{name}\n[dim]#{row['mapped_service_id']}[/]"


def offers(
    search: Annotated[
        str | None,
        typer.Option(
            "--search", "-s", help="Only offers whose name or provider offer id contains this."
        ),
    ] = None,
    show_mapped: Annotated[
        bool,
        typer.Option(
            "--show-mapped/--hide-mapped", help="Also list mapped variants (hidden by default)."
        ),
    ] = False,
    db: DbOption = None,
    connection: ConnectionOption = None,
    json: JsonOption = False,
) -> None:
    """List the offer variants your customers acquired, with their mapping status.

    One row per offer × segment × term × billing frequency that a customer of the connection
    holds (an Active or Suspended subscription, rule R9): the provider offer id under the name,
    the variant's handle (OFFER/SEGMENT/TERM/BILLING: paste it into `offermap services
    search` and `offermap map`), how many customers hold it, whether it is mapped and to
    which service. Mapped variants are hidden unless --show-mapped; --json gives every field.

    Examples:

      offermap offers

      offermap offers --search "business premium" --show-mapped

      offermap offers -s CFQ7TTC0LCHC:0002 --json
    """
    db_path, connection_id = target(db, connection)
    rows = list_acquired(db_path, connection_id, show_mapped=show_mapped, search=search)
    if json:
        print_json(rows)
        return
    if not rows:
        hidden = "" if show_mapped else " (mapped ones are hidden: add --show-mapped)"
        console.print(f"No acquired offer variant matches{hidden}.")
        return
    # A light box leaves room for the handle, which must fit on one line.
    table = Table(
        title=f"Acquired offers of connection {connection_id} ({len(rows)})", box=box.SIMPLE_HEAD
    )
    table.add_column("offer", overflow="fold", min_width=18)
    # The handle names the segment, term and billing, and is pasted into other commands:
    # it is never broken across lines.
    table.add_column("offer/segment/term/billing (handle)", no_wrap=True)
    table.add_column("customers", justify="right", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("mapped service", overflow="fold")
    for row in rows:
        table.add_row(
            f"{escape(row['offer_name'])}\n[dim]{escape(row['provider_offer_id'] or '')}[/]",
            escape(row["handle"]),
            str(row["customers"]),
            _status(row),
            _service(row),
        )
    console.print(table)
    console.print(
        'Find a service with `offermap services search "<first words>" --offer HANDLE`, '
        "then map it with `offermap map HANDLE SERVICE_ID`."
    )
