"""A connection's catalogue: price lists imported into its database, offered to the matcher.

`offermap catalogue import FILE` reads a price list (see `offermap.catalogue.pricelist` for the
two kinds of file and the columns read) and stores its rows for the connection; every later
propose step gives the matcher those offers, so it knows the siblings of what customers hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from offermap.catalogue import CatalogueOffer
from offermap.catalogue.pricelist import PriceListRow, offers_of, read_price_list
from offermap.store import open_store
from offermap.store.catalogue import catalogue_count, catalogue_rows, replace_catalogue_rows


@dataclass(frozen=True)
class CatalogueImport:
    """What an import did.

    Attributes:
        source: the file read.
        kind: "microsoft" (Microsoft's NCE export) or "distributor".
        rows_read: data rows in the file.
        variants_stored: distinct offer variants stored (a file may list one twice, e.g. a
            promotion line beside the plain one; the first is kept).
        skus: distinct SKUs in the file.
        catalogue_variants: variants in the connection's catalogue after the import.
        catalogue_skus: SKUs in the connection's catalogue after the import.
    """

    source: str
    kind: str
    rows_read: int
    variants_stored: int
    skus: int
    catalogue_variants: int
    catalogue_skus: int


def _stored(row: PriceListRow, source: str, kind: str) -> dict[str, Any]:
    return {
        "provider_offer_id": row.provider_offer_id,
        "segment": row.segment,
        "term": row.term,
        "billing_frequency": row.billing_frequency,
        "title": row.title,
        "microsoft_title": row.microsoft_title,
        "product_title": row.product_title,
        "distributor_title": row.distributor_title,
        "source_file": source,
        "source_kind": kind,
        "source_line": row.line,
    }


def import_price_list(
    db_path: Path | str, connection_id: str, path: Path, *, now: datetime | None = None
) -> CatalogueImport:
    """Import a price list file into the connection's catalogue.

    The whole file is read and checked before anything is stored, and it is stored in one
    transaction: a malformed file changes nothing.

    Args:
        db_path: the offermap database.
        connection_id: the connection whose catalogue it is.
        path: Microsoft's NCE license-based price list export, or a distributor's list with
            Microsoft's titles.
        now: the import time (the clock, when not given).

    Raises:
        PriceListError: the file is unreadable or malformed (file, line and column named).
    """
    price_list = read_price_list(path)
    unique: dict[tuple[str, str, str, str], PriceListRow] = {}
    for row in price_list.rows:
        key = (row.provider_offer_id, row.segment, row.term, row.billing_frequency)
        unique.setdefault(key, row)
    source = Path(price_list.source).name
    rows = [_stored(row, source, price_list.kind) for row in unique.values()]
    with open_store(db_path) as con:
        stored = replace_catalogue_rows(con, connection_id, rows, now or datetime.now(UTC))
        variants, skus = catalogue_count(con, connection_id)
    return CatalogueImport(
        source=str(path),
        kind=price_list.kind,
        rows_read=len(price_list.rows),
        variants_stored=stored,
        skus=len({row.provider_offer_id for row in price_list.rows}),
        catalogue_variants=variants,
        catalogue_skus=skus,
    )


def connection_offers(
    con: duckdb.DuckDBPyConnection, connection_id: str
) -> tuple[CatalogueOffer, ...]:
    """The offers of the connection's imported catalogue, one per (SKU, segment)."""
    return offers_of(
        PriceListRow(
            provider_offer_id=row["provider_offer_id"],
            title=row["title"],
            product_title=row["product_title"],
            distributor_title=row["distributor_title"],
            term=row["term"],
            billing_frequency=row["billing_frequency"],
            segment=row["segment"],
            line=int(row["source_line"]),
            microsoft_title=bool(row["microsoft_title"]),
        )
        for row in catalogue_rows(con, connection_id)
    )
