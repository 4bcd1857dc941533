"""`offermap services search`: the Autotask services for one offer variant, by name and ranked."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.text import Text

from offermap.cli.common import (
    ConnectionOption,
    CsvOption,
    DbOption,
    JsonOption,
    console,
    print_json,
    target,
)
from offermap.cli.csv_output import write_csv
from offermap.cli.help_text import PLAIN_HELP
from offermap.cli.tables import Column, Listing, lines, literal, render, say
from offermap.review.explanations import split_reasons
from offermap.review.handles import resolve_handle
from offermap.settings import load_offermap_settings

if TYPE_CHECKING:  # the matcher loads NumPy, which starting any other command never needs
    from offermap.matching import Candidate
    from offermap.review.service_search import Ranking, ServiceSearch

app = typer.Typer(
    rich_markup_mode=PLAIN_HELP,
    help="Search the connection's Autotask services (the latest snapshot).",
    no_args_is_help=True,
)

# Services of the name search a table shows; --csv and --json list them all.
_SHOWN_NAMES = 25
CSV_COLUMNS: tuple[str, ...] = (
    "list",
    "rank",
    "service_id",
    "name",
    "period_type_label",
    "unit_cost",
    "unit_price",
    "score",
    "status",
    "would_break",
    "mapped_to",
    "for",
    "against",
)


def _money(value: float | None) -> str:
    return "?" if value is None else f"{value:g}"


def _breaks(service: dict[str, Any]) -> Text:
    if not service["would_break"]:
        return Text("")
    return literal(", ".join(service["would_break"]), style="red")


def _search_listing(found: ServiceSearch, words: str) -> Listing:
    variant = found.variant
    title = (
        f'Active {found.period_label} services beginning with "{words}" for '
        f"{variant['offer_name']} ({variant['billing_frequency']} billing)"
    )

    def compact(row: dict[str, Any]) -> list[Text]:
        head = literal(f"#{row['service_id']}", style="bold")
        head.append(
            f"  {row['period_type_label']}  {_money(row['unit_cost'])} / "
            f"{_money(row['unit_price'])}",
            style="dim",
        )
        if row["would_break"]:
            head.append("  would break ")
            head.append(_breaks(row))
        out = [head, literal(row["name"])]
        if row["mapped_to"]:
            out.append(literal(f"mapped to {row['mapped_to']}", style="dim"))
        return out

    return Listing(
        title,
        [
            Column("service id", lambda r: literal(r["service_id"]), "number"),
            Column("name", lambda r: literal(r["name"]), "text", 20),
            Column("period", lambda r: literal(r["period_type_label"]), "id"),
            Column(
                "cost / price",
                lambda r: literal(f"{_money(r['unit_cost'])} / {_money(r['unit_price'])}"),
                "number",
            ),
            Column("mapped to", lambda r: literal(r["mapped_to"]), "id"),
            Column("would break", _breaks, "id"),
        ],
        compact,
    )


def _ranking_rows(ranking: Ranking, limit: int) -> list[dict[str, Any]]:
    rows = []
    for candidate in ranking.result.candidates[:limit]:
        supporting, against = split_reasons(candidate.reasons)
        holder = ranking.taken.get(candidate.service_id)
        if holder:
            against.insert(0, f"taken now: mapped or approved to {holder} (R3)")
        rows.append({**asdict(candidate), "for": supporting, "against": against})
    return rows


def _why(row: dict[str, Any]) -> Text:
    parts: list[Text | str] = []
    if row["for"]:
        parts.append(literal("+ " + "; ".join(row["for"][:2]), style="green"))
    if row["against"]:
        parts.append(literal("- " + "; ".join(row["against"][:3]), style="red"))
    return lines(*parts)


def _ranking_listing(ranking: Ranking) -> Listing:
    source = (
        f"as the latest sync ranked it (run {ranking.run_id})"
        if ranking.source == "sync"
        else "ranked now"
    )

    def compact(row: dict[str, Any]) -> list[Text]:
        head = literal(f"{row['rank']}. #{row['service_id']}", style="bold")
        head.append(f"  score {row['score']:.2f}  {row['status'].replace('_', ' ')}", style="dim")
        return [head, literal(row["service_name"]), _why(row)]

    return Listing(
        f"The matcher's ranking for this offer variant, {source}",
        [
            Column("rank", lambda r: literal(r["rank"]), "number"),
            Column("service id", lambda r: literal(r["service_id"]), "number"),
            Column("name", lambda r: literal(r["service_name"]), "text", 18),
            Column("score", lambda r: literal(f"{r['score']:.2f}"), "number"),
            Column("status", lambda r: literal(r["status"].replace("_", " ")), "id"),
            Column("why: + for, - against", _why, "text", 20),
        ],
        compact,
    )


def _payload(found: ServiceSearch, ranking: Ranking, limit: int) -> dict[str, Any]:
    result = ranking.result
    return {
        "variant": found.variant,
        "period_label": found.period_label,
        "services": found.services,
        "ranking": {
            "status": result.status,
            "reason": result.reason,
            "source": ranking.source,
            "run_id": ranking.run_id,
            "removed_by_rule": dict(result.removed),
            "candidates": _ranking_rows(ranking, limit),
        },
    }


def _csv_rows(found: ServiceSearch, ranking: Ranking, limit: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [
        {**s, "list": "name search", "would_break": " ".join(s["would_break"])}
        for s in found.services
    ]
    for row in _ranking_rows(ranking, limit):
        rows.append(
            {
                **row,
                "list": "ranking",
                "name": row["service_name"],
                "score": round(float(row["score"]), 4),
                "for": "; ".join(row["for"]),
                "against": "; ".join(row["against"]),
            }
        )
    return rows


def _best(candidates: tuple[Candidate, ...]) -> Candidate | None:
    proposed = [c for c in candidates if c.status == "proposed"]
    return proposed[0] if proposed else None


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
    csv: CsvOption = False,
) -> None:
    """Find services for an offer variant: by the first words of their name, then ranked.

    The first list is CloudCockpit's search: active services whose name begins with WORDS
    (any case), billed the way the offer is (rule R5: Monthly offers need Monthly services,
    Annual offers Yearly ones). A service a mapping would still be refused for is shown with
    the rule: R3 (mapped to another offer variant) or R6 (an Azure plan needs a zero-priced
    service). The second list is the matcher's ranking for this variant, with what counted
    for each service (+) and against it (-). Pick one and map it with `offermap map HANDLE
    SERVICE_ID`.

    Examples:

      offermap services search "Microsoft 365 Bus" \\
        -o CFQ7TTC0LCHC:0002/Commercial/OneYear/Monthly

      offermap services search "" -o DZH318Z0BPS6:0001/Commercial/NoTerm/Monthly \\
        --json
    """
    from offermap.matching import MatchConfig
    from offermap.review.service_search import rank_services, search_services

    db_path, connection_id = target(db, connection)
    key = resolve_handle(db_path, connection_id, offer)
    found = search_services(db_path, connection_id, key, words)
    threshold = load_offermap_settings().proposal_threshold
    ranking = rank_services(db_path, connection_id, key, config=MatchConfig(threshold=threshold))
    if json:
        print_json(_payload(found, ranking, limit))
        return
    if csv:
        write_csv(_csv_rows(found, ranking, limit), CSV_COLUMNS)
        return
    variant = found.variant
    head = literal(variant["offer_name"], style="bold")
    head.append("  ")
    head.append(literal(variant["handle"], style="dim"))
    head.append(f" — {variant['mapping_status']}")
    if variant["mapped_service_id"] is not None:
        head.append(" to ")
        head.append(literal(variant["mapped_service_name"] or ""))
        head.append(f" #{variant['mapped_service_id']}")
    console.print(head)
    if found.services:
        shown = found.services[:_SHOWN_NAMES]
        console.print(render(_search_listing(found, words), shown, console.width))
        if len(found.services) > len(shown):
            say(
                console,
                f"... and {len(found.services) - len(shown):,} more beginning with "
                f'"{words}": type more of the name (--csv or --json lists them all).',
            )
    else:
        best = _best(ranking.result.candidates)
        if best is not None:
            line = literal(
                f'No active {found.period_label} service begins with "{words}"; the matcher '
                "ranks other services below: its first choice is "
            )
            line.append(literal(best.service_name, style="bold"))
            line.append(f" #{best.service_id} (score {best.score:.2f}).")
            console.print(line)
        else:
            say(
                console,
                f'No active {found.period_label} service begins with "{words}", and the '
                "matcher found none good enough. offermap never creates services (R1): "
                "create it in Autotask, then run `offermap sync`.",
            )
    rows = _ranking_rows(ranking, limit)
    console.print()
    if rows:
        console.print(render(_ranking_listing(ranking), rows, console.width))
    else:
        say(console, f"The matcher has no candidate: {ranking.result.reason or 'none scored'}.")
    say(console, f"Map one with `offermap map {variant['handle']} SERVICE_ID`.")
