"""Price lists a connection imports into its catalogue: Microsoft's NCE export, or a distributor's.

The matcher knows the siblings of an offer (the Faculty and Student SKUs, the Windows 365
sizes, the "(no Teams)" editions) only if it knows the whole catalogue, not just the offers a
connection's customers bought. Two kinds of file are read; the header tells which.

Microsoft's NCE license-based price list (Partner Center, Pricing, license-based export):

- `ProductId`, `SkuId`: the provider offer id `PRODUCT:SKU`;
- `SkuTitle` (else `ProductTitle`): the offer's title; `ProductTitle`: the product's;
- `TermDuration`: `P1M` OneMonth, `P1Y` OneYear, `P3Y` ThreeYears, `P5Y` FiveYears, empty
  NoTerm;
- `BillingPlan`: Monthly, Annual, Triennial, OneTime or None;
- `Segment`: Commercial, Education, Government, Charity or Nonprofit (read as NonProfit).

A distributor's list with Microsoft's titles (the shape of `ingram_co_nce_2026_03.csv`):

- `provider_offer_id`: `PRODUCT:SKU`;
- `microsoft_title` (optional column): the offer's title;
- `distributor_name`: the distributor's own title; without its code suffix such as
  "(NCE COM MTH)", it is the offer's title when `microsoft_title` is empty;
- `term`: CloudCockpit's name (OneMonth, OneYear, ThreeYears...) or an ISO code (P1M...);
- `billing_frequency`: Monthly, Annual, Triennial, OneTime or None;
- `segment`: Commercial, Education, Government, NonProfit (or Charity).

Other columns (prices, currency, dates, market) are ignored. A malformed file is refused with
the file, line and column of the first problem; nothing is imported from it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from offermap.catalogue import CatalogueOffer
from offermap.catalogue.csvfile import CsvInputError, CsvRow, read_csv

PriceListFormat = Literal["microsoft", "distributor"]

MICROSOFT_COLUMNS: tuple[str, ...] = (
    "ProductId",
    "SkuId",
    "TermDuration",
    "BillingPlan",
    "Segment",
)
# Microsoft's export has both; either names the offer.
_MICROSOFT_TITLES = ("SkuTitle", "ProductTitle")
DISTRIBUTOR_COLUMNS: tuple[str, ...] = (
    "provider_offer_id",
    "distributor_name",
    "term",
    "billing_frequency",
    "segment",
)
_TERMS = {
    "p1m": "OneMonth",
    "p1y": "OneYear",
    "p3y": "ThreeYears",
    "p5y": "FiveYears",
    "": "NoTerm",
    "none": "NoTerm",
    "noterm": "NoTerm",
    "onemonth": "OneMonth",
    "oneyear": "OneYear",
    "threeyears": "ThreeYears",
    "fiveyears": "FiveYears",
}
_BILLINGS = {
    "monthly": "Monthly",
    "annual": "Annual",
    "triennial": "Triennial",
    "onetime": "OneTime",
    "one-time": "OneTime",
    "none": "None",
    "": "None",
}
_SEGMENTS = {
    "commercial": "Commercial",
    "education": "Education",
    "government": "Government",
    "nonprofit": "NonProfit",
    "non-profit": "NonProfit",
    "charity": "NonProfit",
}
_PRODUCT_ID = re.compile(r"^[A-Za-z0-9]{12}$")
_SKU_ID = re.compile(r"^[A-Za-z0-9]{4}$")
# A distributor's code after the title, and whatever promotion marks follow it:
# "Microsoft 365 E3 (NCE COM MTH)", "... (NCE COM ANN) +10", "... (NCE COM ANN) Promo".
_DISTRIBUTOR_CODE = re.compile(r"\s*\((?:NCE|CSP)\b[^)]*\).*$", re.IGNORECASE)


class PriceListError(CsvInputError):
    """A price list cannot be imported: names the file, the line and the column."""


@dataclass(frozen=True, slots=True)
class PriceListRow:
    """One row of a price list: an offer variant Microsoft or the distributor sells.

    Attributes:
        provider_offer_id: `PRODUCT:SKU`, upper case.
        title: Microsoft's title of the SKU; for a distributor row without one, the
            distributor's title without its code suffix.
        product_title: the product's title ('' when the file has none).
        distributor_title: the distributor's own title ('' for Microsoft's export).
        term: CloudCockpit's term name.
        billing_frequency: CloudCockpit's billing frequency name.
        segment: CloudCockpit's segment name.
        line: the line of the file the row was read from.
        microsoft_title: whether `title` is Microsoft's own.
    """

    provider_offer_id: str
    title: str
    product_title: str
    distributor_title: str
    term: str
    billing_frequency: str
    segment: str
    line: int
    microsoft_title: bool = True


@dataclass(frozen=True)
class PriceList:
    """The rows of one price list file, and the kind of file it was."""

    source: str
    kind: PriceListFormat
    rows: tuple[PriceListRow, ...]

    def offers(self) -> tuple[CatalogueOffer, ...]:
        """One catalogue offer per (SKU, segment), with the terms the list sells it with."""
        return offers_of(self.rows)


def offers_of(rows: Iterable[PriceListRow]) -> tuple[CatalogueOffer, ...]:
    """Group price list rows into catalogue offers: one per (SKU, segment), terms collected.

    When the rows of one SKU disagree on its title, Microsoft's title wins over a
    distributor's, then the first row's.
    """
    grouped: dict[tuple[str, str], list[PriceListRow]] = {}
    for row in rows:
        grouped.setdefault((row.provider_offer_id, row.segment), []).append(row)
    offers: list[CatalogueOffer] = []
    for (provider_offer_id, segment), members in grouped.items():
        titled = [r for r in members if r.microsoft_title] or members
        terms = tuple(dict.fromkeys((r.term, r.billing_frequency) for r in members))
        offers.append(
            CatalogueOffer(
                provider_offer_id=provider_offer_id,
                name=titled[0].title,
                offer_type="License",
                segment=segment,
                terms=terms,
            )
        )
    return tuple(offers)


def distributor_title(name: str) -> str:
    """A distributor's title without its code suffix ("X (NCE COM MTH) +10" -> "X")."""
    return _DISTRIBUTOR_CODE.sub("", name).strip()


def _lookup(
    row: CsvRow, column: str, table: dict[str, str], what: str, use: str | None = None
) -> str:
    """The value of `column` read through `table`; `use` says what the column takes when the
    table's own values are not what the file writes (Microsoft's term codes)."""
    value = row.get(column)
    found = table.get(value.lower().replace(" ", ""))
    if found is None:
        names = use or ", ".join(sorted({v for v in table.values()}))
        raise row.fail(column, f"{value!r} is not a {what}: use {names}")
    return found


def _ids(row: CsvRow, product: str, sku: str, columns: tuple[str, str]) -> str:
    if not _PRODUCT_ID.match(product):
        raise row.fail(columns[0], f"{product!r} is not a 12-character product id")
    if not _SKU_ID.match(sku):
        raise row.fail(columns[1], f"{sku!r} is not a 4-character SKU id")
    return f"{product.upper()}:{sku.upper()}"


def _microsoft_row(row: CsvRow) -> PriceListRow:
    if not any(column in row.values for column in _MICROSOFT_TITLES):
        raise PriceListError(
            f"{row.path}, line 1: missing column SkuTitle (or ProductTitle); the header must "
            "name one of them"
        )
    provider_offer_id = _ids(row, row.get("ProductId"), row.get("SkuId"), ("ProductId", "SkuId"))
    product_title = row.get("ProductTitle")
    title = row.get("SkuTitle") or product_title
    if not title:
        raise row.fail("SkuTitle", "is empty, and so is ProductTitle")
    return PriceListRow(
        provider_offer_id=provider_offer_id,
        title=title,
        product_title=product_title,
        distributor_title="",
        term=_lookup(
            row, "TermDuration", _TERMS, "term", "P1M, P1Y, P3Y or P5Y (empty for no term)"
        ),
        billing_frequency=_lookup(row, "BillingPlan", _BILLINGS, "billing plan"),
        segment=_lookup(row, "Segment", _SEGMENTS, "segment"),
        line=row.line,
    )


def _distributor_row(row: CsvRow) -> PriceListRow:
    product, sep, sku = row.get("provider_offer_id").partition(":")
    if not sep:
        raise row.fail("provider_offer_id", f"{product!r} is not PRODUCT:SKU")
    provider_offer_id = _ids(row, product, sku, ("provider_offer_id",) * 2)
    own = row.get("distributor_name")
    microsoft = row.get("microsoft_title")
    title = microsoft or distributor_title(own)
    if not title:
        raise row.fail("distributor_name", "is empty, and so is microsoft_title")
    return PriceListRow(
        provider_offer_id=provider_offer_id,
        title=title,
        product_title="",
        distributor_title=own,
        term=_lookup(row, "term", _TERMS, "term"),
        billing_frequency=_lookup(row, "billing_frequency", _BILLINGS, "billing frequency"),
        segment=_lookup(row, "segment", _SEGMENTS, "segment"),
        line=row.line,
        microsoft_title=bool(microsoft),
    )


def _kind(path: Path) -> PriceListFormat:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            first = handle.readline()
    except (OSError, UnicodeDecodeError):
        return "distributor"  # read_csv reports the problem with the file
    names = {name.strip().strip('"') for name in first.split(",")}
    return "microsoft" if {"ProductId", "SkuId"} <= names else "distributor"


def read_price_list(path: Path) -> PriceList:
    """Read a price list file (Microsoft's NCE license-based export or a distributor's list).

    Args:
        path: the CSV file.

    Returns:
        Its rows, in file order, and which kind of file it was.

    Raises:
        PriceListError: the file cannot be read, has neither header, or a row is malformed
            (file, line and column named); nothing is returned from a bad file.
    """
    kind = _kind(path)
    columns = MICROSOFT_COLUMNS if kind == "microsoft" else DISTRIBUTOR_COLUMNS
    expected = (
        f"{','.join(MICROSOFT_COLUMNS)} and SkuTitle or ProductTitle (Microsoft's NCE export) or "
        f"{','.join(DISTRIBUTOR_COLUMNS)} (a distributor's list)"
    )
    parse = _microsoft_row if kind == "microsoft" else _distributor_row
    try:
        rows = tuple(parse(row) for row in read_csv(path, columns, what=expected))
    except CsvInputError as exc:
        raise PriceListError(str(exc)) from None
    if not rows:
        raise PriceListError(f"{path}: the file has a header but no rows; nothing was imported")
    return PriceList(str(path), kind, rows)
