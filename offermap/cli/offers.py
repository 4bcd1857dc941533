"""`offermap offers`: the acquired offer variants, as on CloudCockpit's Offer Mapping page."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.text import Text

from offermap.acquired.listing import OFFER_STATUSES, OfferFilter, list_offers
from offermap.cli.common import (
    ConnectionOption,
    CsvOption,
    CustomerOption,
    DbOption,
    FamilyOption,
    JsonOption,
    LimitOption,
    NoPagerOption,
    OffsetOption,
    SegmentOption,
    console,
    counted,
    print_json,
    target,
)
from offermap.cli.csv_output import write_csv
from offermap.cli.tables import DEFAULT_LIMIT, Column, Listing, lines, literal, say, show

_STATUS_STYLE = {
    "mapped": "green",
    "unmapped": "yellow",
    "not_required": "dim",
    "unsupported": "red",
}
CSV_COLUMNS: tuple[str, ...] = (
    "handle",
    "offer_name",
    "provider_offer_id",
    "segment",
    "term",
    "billing_frequency",
    "offer_type",
    "customers",
    "subscriptions",
    "seats",
    "mapping_status",
    "drift",
    "mapped_service_id",
    "mapped_service_name",
    "support_rule",
    "support_reason",
    # Names for people, ids (in the same order) for scripts and CloudCockpit look-ups.
    "customers_held_by",
    "customer_ids",
    "offer_id",
    # Left empty for the administrator: fill in a service id, then `offermap map --from-csv`.
    "service_id",
    "note",
)


def _status(row: dict[str, Any]) -> Text:
    text = literal(row["mapping_status"], style=_STATUS_STYLE.get(row["mapping_status"], ""))
    if row["drift"]:
        rules = ", ".join(sorted({d["rule"] for d in row["drift"]}))
        text.append(f" DRIFT {rules}", style="bold red")
    elif row.get("support_rule"):
        text.append(f" {row['support_rule']}", style="dim")
    return text


def _service(row: dict[str, Any]) -> Text:
    if row["mapped_service_id"] is None:
        return Text("")
    name = row["mapped_service_name"] or "(no longer in the Autotask snapshot)"
    return lines(literal(name), literal(f"#{row['mapped_service_id']}", style="dim"))


def _offer(row: dict[str, Any]) -> Text:
    return lines(literal(row["offer_name"]), literal(row["provider_offer_id"] or "", style="dim"))


# Customers a table shows per variant; --json and --csv list them all.
_SHOWN_CUSTOMERS = 5


def _held_by(row: dict[str, Any]) -> list[Text]:
    """The names of the first customers holding the variant, and how many more there are.

    Names come from CloudCockpit (a customer it named none for shows its id): printed as
    they are, never read as markup.
    """
    names: list[str] = row["customers_held_by"]
    shown = [literal(name) for name in names[:_SHOWN_CUSTOMERS]]
    more = len(names) - _SHOWN_CUSTOMERS
    if more > 0:
        shown.append(literal(f"+{more} more (--csv lists them)", style="dim"))
    return shown


def _customer_list(row: dict[str, Any]) -> Text:
    return lines(*_held_by(row))


def _compact(row: dict[str, Any], with_customers: bool) -> list[Text]:
    head = literal(row["handle"], style="bold")
    head.append("  ")
    head.append(_status(row))
    head.append(f"  {counted(int(row['customers']), 'customer')}", style="dim")
    out = [head, literal(row["offer_name"])]
    if row["mapped_service_id"] is not None:
        service = Text("→ ")
        service.append(literal(row["mapped_service_name"] or "(no longer in the snapshot)"))
        service.append(f"  #{row['mapped_service_id']}", style="dim")
        out.append(service)
    for drift in row["drift"]:
        out.append(
            literal(f"! {drift['rule']}: {drift['what_changed']}; {drift['action']}", style="red")
        )
    if row.get("support_reason"):
        out.append(literal(f"{row['support_rule']}: {row['support_reason']}", style="dim"))
    if with_customers:
        # One customer a line: a company name has spaces, and wrapped into a run of names
        # it would read as two customers.
        out.append(Text("held by:", style="dim"))
        for held in _held_by(row):
            out.append(Text("  ").append(held))
    return out


def offers_listing(title: str, with_customers: bool = False) -> Listing:
    """How `offermap offers` shows its rows."""
    columns = [
        Column("offer", _offer, "text", 18),
        Column("handle (offer/segment/term/billing)", lambda r: literal(r["handle"]), "id"),
        Column("customers", lambda r: literal(r["customers"]), "number"),
        Column("status", _status, "id"),
        Column("mapped service", _service, "text", 16),
    ]
    if with_customers:
        columns.append(Column("held by", _customer_list, "text", 16))
    return Listing(title, columns, lambda row: _compact(row, with_customers))


def _csv_row(row: dict[str, Any]) -> dict[str, Any]:
    return {
        **row,
        "drift": "; ".join(f"{d['rule']}: {d['what_changed']}" for d in row["drift"]),
        "customers_held_by": "; ".join(row["customers_held_by"]),
        "customer_ids": " ".join(row["customer_ids"]),
        "service_id": None,
        "note": None,
    }


def _nothing(where: OfferFilter, connection_id: str) -> str:
    filtered = where.search or where.statuses or where.segment or where.family or where.customer
    if filtered:
        return "No acquired offer variant matches these filters."
    if not where.show_mapped:
        return "No unmapped offer variant: every one is mapped (see them with --show-mapped)."
    return (
        f"Connection {connection_id} has no acquired offer variant: no customer holds an "
        "Active or Suspended subscription in its latest snapshot (run `offermap sync`)."
    )


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
    status: Annotated[
        list[str] | None,
        typer.Option(
            "--status",
            help=f"Only this status (repeat for several): {', '.join(OFFER_STATUSES)}.",
        ),
    ] = None,
    segment: SegmentOption = None,
    family: FamilyOption = None,
    customer: CustomerOption = None,
    show_customers: Annotated[
        bool,
        typer.Option(
            "--show-customers", help="Show which customers hold each variant, by company name."
        ),
    ] = False,
    limit: LimitOption = None,
    offset: OffsetOption = 0,
    db: DbOption = None,
    connection: ConnectionOption = None,
    json: JsonOption = False,
    csv: CsvOption = False,
    no_pager: NoPagerOption = False,
) -> None:
    """List the offer variants your customers acquired, with their mapping status.

    One row per offer × segment × term × billing frequency that a customer of the connection
    holds (an Active or Suspended subscription, rule R9): the provider offer id under the name,
    the variant's handle (OFFER/SEGMENT/TERM/BILLING: paste it into `offermap services
    search` and `offermap map`), how many customers hold it, whether it is mapped and to
    which service (--show-customers: which customers, by company name; --json and --csv
    give their ids too). A mapping that no longer holds against the latest snapshots is marked
    DRIFT with the rule (`offermap health` says what changed and what to do). Mapped
    variants are hidden unless --show-mapped (or --status mapped). --csv writes a sheet with
    an empty service_id column: fill it in and map them all with `offermap map --from-csv`.

    Examples:

      offermap offers

      offermap offers --search "business premium" --show-mapped

      offermap offers --status drifted

      offermap offers --segment Education --family "Microsoft 365" \\
        --show-customers

      offermap offers -s CFQ7TTC0LCHC:0002 --json

      offermap offers --csv > offers.csv
    """
    db_path, connection_id = target(db, connection)
    where = OfferFilter(
        show_mapped=show_mapped,
        search=search,
        statuses=tuple(s.strip().lower() for s in status or ()),
        segment=segment,
        family=family,
        customer=customer,
    )
    rows = list_offers(db_path, connection_id, where)
    total = len(rows)
    if json or csv:
        page = rows[offset:][:limit] if limit else rows[offset:]
        if json:
            print_json(page)
        else:
            write_csv((_csv_row(r) for r in page), CSV_COLUMNS)
        return
    if not rows:
        say(console, _nothing(where, connection_id))
        return
    shown = limit if limit is not None else DEFAULT_LIMIT
    page = rows[offset:][:shown] if shown else rows[offset:]
    drifted = sum(1 for r in rows if r["drift"])
    after = [
        'Find a service with `offermap services search "<first words>" --offer HANDLE`, '
        "then map it with `offermap map HANDLE SERVICE_ID`."
    ]
    if drifted:
        after.insert(0, f"{drifted} mapping(s) drifted: `offermap health` says what to do.")
    listing = offers_listing(
        f"Acquired offers of connection {connection_id} ({total:,})", show_customers
    )
    show(console, listing, page, total=total, offset=offset, pager=not no_pager, after=after)
