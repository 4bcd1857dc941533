"""`offermap services search`: the Autotask services for one offer variant, by name and ranked."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from offermap.cli.common import ConnectionOption, DbOption, JsonOption, console, print_json, target
from offermap.matching import MatchConfig, VariantResult
from offermap.review.handles import resolve_handle
from offermap.review.service_search import ServiceSearch, rank_services, search_services
from offermap.settings import load_offermap_settings

app = typer.Typer(
    help="Search the connection's Autotask services (the latest snapshot).",
    no_args_is_help=True,
)


def _money(value: float | None) -> str:
    return "?" if value is None else f"{value:g}"


def _search_table(found: ServiceSearch, words: str) -> Table:
    variant = found.variant
    table = Table(
        title=f'Active {found.period_label} services beginning with "{escape(words)}" '
        f"for {escape(variant['offer_name'])} ({variant['billing_frequency']} billing)"
    )
    for column in ("service id", "name", "period", "cost / price", "mapped to", "would break"):
        table.add_column(column, overflow="fold")
    for service in found.services:
        table.add_row(
            str(service["service_id"]),
            escape(service["name"]),
            service["period_type_label"],
            f"{_money(service['unit_cost'])} / {_money(service['unit_price'])}",
            escape(service["mapped_to"] or ""),
            f"[red]{', '.join(service['would_break'])}[/]" if service["would_break"] else "",
        )
    return table


def _ranking_table(result: VariantResult, limit: int) -> Table:
    table = Table(title="The matcher's ranking for this offer variant")
    for column in ("rank", "service id", "name", "score", "status", "why"):
        table.add_column(column, overflow="fold")
    for candidate in result.candidates[:limit]:
        table.add_row(
            str(candidate.rank),
            str(candidate.service_id),
            escape(candidate.service_name),
            f"{candidate.score:.2f}",
            candidate.status.replace("_", " "),
            escape("; ".join(candidate.reasons[:2])),
        )
    return table


def _payload(found: ServiceSearch, ranking: VariantResult, limit: int) -> dict[str, Any]:
    return {
        "variant": found.variant,
        "period_label": found.period_label,
        "services": found.services,
        "ranking": {
            "status": ranking.status,
            "reason": ranking.reason,
            "removed_by_rule": dict(ranking.removed),
            "candidates": [asdict(c) for c in ranking.candidates[:limit]],
        },
    }


@app.command("search")
def search(
    offer: Annotated[
        str,
        typer.Option(
            "--offer",
            "-o",
            help="The offer variant's handle OFFER/SEGMENT/TERM/BILLING, as `offermap offers` "
            "shows it.",
        ),
    ],
    words: Annotated[
        str,
        typer.Argument(help='The first words of the service name, e.g. "Microsoft 365 Bus".'),
    ] = "",
    limit: Annotated[
        int, typer.Option("--limit", min=1, help="How many ranked candidates to show.")
    ] = 5,
    db: DbOption = None,
    connection: ConnectionOption = None,
    json: JsonOption = False,
) -> None:
    """Find services for an offer variant: by the first words of their name, then ranked.

    The first list is CloudCockpit's search: active services whose name begins with WORDS
    (any case), billed the way the offer is (rule R5: Monthly offers need Monthly services,
    Annual offers Yearly ones). A service a mapping would still be refused for is shown with
    the rule: R3 (mapped to another offer variant) or R6 (an Azure plan needs a zero-priced
    service). The second list is the matcher's ranking of every service for this variant,
    with its reasons. Pick one and map it with `offermap map HANDLE SERVICE_ID`.

    Examples:

      offermap services search "Microsoft 365 Bus" -o CFQ7TTC0LCHC:0002/Commercial/OneYear/Monthly

      offermap services search "" -o DZH318Z0BPS6:0001/Commercial/NoTerm/Monthly --json
    """
    db_path, connection_id = target(db, connection)
    key = resolve_handle(db_path, connection_id, offer)
    found = search_services(db_path, connection_id, key, words)
    threshold = load_offermap_settings().proposal_threshold
    ranking = rank_services(db_path, connection_id, key, config=MatchConfig(threshold=threshold))
    if json:
        print_json(_payload(found, ranking, limit))
        return
    variant = found.variant
    console.print(
        f"[bold]{escape(variant['offer_name'])}[/] [dim]{escape(variant['handle'])}[/] — "
        f"{variant['mapping_status']}"
        + (
            f" to {escape(variant['mapped_service_name'] or '')} #{variant['mapped_service_id']}"
            if variant["mapped_service_id"] is not None
            else ""
        )
    )
    if found.services:
        console.print(_search_table(found, words))
    else:
        console.print(
            f'No active {found.period_label} service begins with "{escape(words)}". offermap '
            "never creates services (R1): create it in Autotask, then run `offermap sync`."
        )
    if ranking.candidates:
        console.print(_ranking_table(ranking, limit))
    else:
        console.print(f"The matcher has no candidate: {escape(ranking.reason or 'none scored')}.")
    console.print(f"Map one with `offermap map {escape(variant['handle'])} SERVICE_ID`.")
