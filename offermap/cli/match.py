"""`offermap match`: offline matching of CSV exports, with the pipeline's engine."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from offermap.cli.common import console, errors, print_json
from offermap.settings import load_offermap_settings

_STATUSES = ("proposed", "abstained", "not_required", "unsupported")


def match_command(
    offers: Annotated[
        Path,
        typer.Option(
            "--offers",
            help="OFFERS.csv, with the columns offer_id, provider_offer_id, offer_name, "
            "offer_type, segment, term, billing_frequency",
        ),
    ],
    services: Annotated[
        Path,
        typer.Option(
            "--services",
            help="SERVICES.csv, with the columns service_id, name, period_type, unit_cost, "
            "unit_price, is_active (+ optional sku, catalog_number_part_number, "
            "manufacturer_service_provider_product_number, external_id, description, "
            "invoice_description)",
        ),
    ],
    out: Annotated[Path, typer.Option("--out", help="PROPOSALS.csv to write (replaced).")],
    top: Annotated[
        int, typer.Option("--top", min=1, help="Propose at most K services per variant.")
    ] = 3,
    threshold: Annotated[
        float | None,
        typer.Option(
            "--threshold",
            min=0.01,
            max=1.0,
            help="Score below which the matcher abstains "
            "[env: OFFERMAP_PROPOSAL_THRESHOLD, default 0.6]",
        ),
    ] = None,
    catalogue: Annotated[
        Path | None,
        typer.Option(
            "--catalogue",
            help="A price list (Microsoft's NCE license-based export, or a distributor's list "
            "with Microsoft's titles) whose offers the matcher knows as siblings.",
        ),
    ] = None,
    json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Match offers to services from CSV files and write the proposals as CSV.

    PROPOSALS.csv has the columns offer_id, segment, term, billing_frequency, status, rank,
    service_id, service_name, score, reasons. status is proposed (ranks 1..K), abstained
    (with the nearest candidates and why they were not proposed), not_required or
    unsupported; every variant of OFFERS.csv appears at least once.

    Examples:

      offermap match --offers offers.csv --services services.csv \\
        --out proposals.csv

      offermap match --offers o.csv --services s.csv --out p.csv --top 1

      offermap match --offers o.csv --services s.csv --out p.csv \\
        --catalogue pricelist.csv
    """
    # Imported here: the matcher loads NumPy, which starting any other command never needs.
    from offermap.matching import MatchConfig
    from offermap.offline import OfflineInputError, match_files

    if threshold is None:
        threshold = load_offermap_settings().proposal_threshold
    try:
        config = MatchConfig(threshold=threshold, top_k=top)
        summary = match_files(offers, services, out, config=config, catalogue=catalogue)
    except (OfflineInputError, ValueError) as exc:
        # The message quotes file names and cells: printed as text, never as markup.
        errors.print(Text.assemble(("offermap match: ", "bold red"), str(exc)), highlight=False)
        raise typer.Exit(1) from None
    counts = {status: summary.by_status.get(status, 0) for status in _STATUSES}
    if json:
        print_json(
            {
                "variants": summary.variants,
                "services": summary.services,
                "rows_written": summary.rows_written,
                "by_status": counts,
                "out": str(summary.out),
            }
        )
        return
    table = Table(title=f"{summary.variants} offer variants, {summary.services} services")
    table.add_column("status")
    table.add_column("variants", justify="right")
    for status, count in counts.items():
        table.add_row(status, str(count))
    console.print(table)
    console.print(f"{summary.rows_written} rows written to {summary.out}")
