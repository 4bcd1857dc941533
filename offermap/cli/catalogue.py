"""`offermap catalogue import FILE`: load a price list into the connection's catalogue."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from offermap.catalogue.connection import import_price_list
from offermap.cli.common import (
    ConnectionOption,
    DbOption,
    JsonOption,
    console,
    counted,
    print_json,
    target,
)
from offermap.cli.help_text import PLAIN_HELP

app = typer.Typer(
    rich_markup_mode=PLAIN_HELP,
    help="The connection's catalogue: price lists that tell the matcher every offer's siblings.",
    no_args_is_help=True,
)

_KINDS = {"microsoft": "Microsoft's NCE price list", "distributor": "a distributor's list"}


@app.command("import")
def import_command(
    file: Annotated[
        Path, typer.Argument(help="The price list: Microsoft's NCE export or a distributor's list.")
    ],
    db: DbOption = None,
    connection: ConnectionOption = None,
    json: JsonOption = False,
) -> None:
    """Import a price list into the connection's catalogue, for the next proposals.

    The matcher then knows every offer of the list, not only those your customers hold, so a
    service named after a sibling SKU (the Student line of a Faculty offer, another Windows 365
    size, the "(no Teams)" edition) is not proposed for the wrong one.

    Two kinds of file are read, told apart by their header:

    Microsoft's NCE license-based price list (Partner Center, Pricing): ProductId, SkuId,
    SkuTitle (else ProductTitle), TermDuration (P1M, P1Y, P3Y), BillingPlan, Segment.

    A distributor's list with Microsoft's titles: provider_offer_id (PRODUCT:SKU),
    microsoft_title (optional), distributor_name, term, billing_frequency, segment.

    A row replaces the catalogue's earlier row of the same offer variant. A malformed file is
    refused with its line and column, and nothing of it is stored.

    Examples:

      offermap catalogue import ~/Downloads/nce_license_prices_2026_03.csv

      offermap catalogue import distributor.csv --connection acme --json
    """
    db_path, connection_id = target(db, connection)
    done = import_price_list(db_path, connection_id, file)
    if json:
        print_json(asdict(done))
        return
    message = Text()
    message.append(
        f"Imported {counted(done.variants_stored, 'offer variant')} "
        f"({counted(done.skus, 'SKU')}) from "
    )
    message.append(done.source)
    message.append(f" ({_KINDS.get(done.kind, done.kind)}) into the catalogue of ")
    message.append(connection_id)
    # Which database: a command run in another folder would otherwise fill one nobody reads.
    message.append(" in ")
    message.append(str(db_path))
    message.append(
        f"; it now holds {counted(done.catalogue_variants, 'variant')} of "
        f"{counted(done.catalogue_skus, 'SKU')}. The next `offermap sync` proposes with it."
    )
    console.print(message, highlight=False, soft_wrap=True)
