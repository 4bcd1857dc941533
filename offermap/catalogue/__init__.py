"""The Microsoft NCE offer catalogue shipped with offermap, shared by the matcher and the sandbox.

`nce_offers.csv` lists real offers as CloudCockpit shows them: `provider_offer_id`
(`PRODUCT:SKU`), the current `name`, `offer_type`, `segment`, the usual `terms`
(`Term:BillingFrequency` pairs separated by `|`) and a `confidence` grade (H, M, L).
The matcher reads it to weigh words as over a whole catalogue and to know rival offers;
the sandbox sells from it.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from offermap.errors import OffermapError

CATALOGUE_FILE = "nce_offers.csv"
_REQUIRED = ("provider_offer_id", "name", "offer_type", "segment", "terms")


class CatalogueError(OffermapError, ValueError):
    """The shipped offer catalogue is malformed (names the file and line): the installation is
    damaged, and reinstalling offermap is the way out."""


@dataclass(frozen=True, slots=True)
class CatalogueOffer:
    """One Microsoft offer of the catalogue.

    Attributes:
        provider_offer_id: Microsoft `PRODUCT:SKU`.
        name: the current catalogue name.
        offer_type: CloudCockpit offer type name (License, AzurePlan, ...).
        segment: the segment the SKU is sold to (Commercial, Education, ...).
        terms: the (term, billing frequency) pairs it is usually sold with.
        confidence: how well sourced the row is: H, M or L (empty when not graded).
    """

    provider_offer_id: str
    name: str
    offer_type: str
    segment: str
    terms: tuple[tuple[str, str], ...]
    confidence: str = ""

    @property
    def product_id(self) -> str:
        """The PRODUCT part of `provider_offer_id`."""
        return self.provider_offer_id.split(":", 1)[0]


def parse_terms(text: str, where: str) -> tuple[tuple[str, str], ...]:
    """Read `Term:Billing|Term:Billing` into pairs.

    Raises:
        CatalogueError: naming `where` when a pair is malformed.
    """
    pairs: list[tuple[str, str]] = []
    for part in text.split("|"):
        term, sep, billing = part.partition(":")
        if not sep or not term.strip() or not billing.strip():
            raise CatalogueError(
                f"{where}: malformed term pair {part!r} (expected Term:BillingFrequency)"
            )
        pairs.append((term.strip(), billing.strip()))
    return tuple(pairs)


def parse_catalogue(text: str, source: str = CATALOGUE_FILE) -> tuple[CatalogueOffer, ...]:
    """Parse catalogue CSV text.

    Args:
        text: the CSV text, with a header row.
        source: the file name used in error messages.

    Raises:
        CatalogueError: naming the file and line of a row that lacks a field or has a
            malformed term pair.
    """
    offers: list[CatalogueOffer] = []
    for line_no, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        where = f"{source} line {line_no}"
        missing = [key for key in _REQUIRED if not (row.get(key) or "").strip()]
        if missing:
            raise CatalogueError(f"{where}: missing {', '.join(missing)}")
        offers.append(
            CatalogueOffer(
                provider_offer_id=row["provider_offer_id"].strip(),
                name=row["name"].strip(),
                offer_type=row["offer_type"].strip(),
                segment=row["segment"].strip(),
                terms=parse_terms(row["terms"].strip(), where),
                confidence=(row.get("confidence") or "").strip(),
            )
        )
    return tuple(offers)


@lru_cache(maxsize=1)
def load_offers() -> tuple[CatalogueOffer, ...]:
    """The offers of the shipped catalogue, read once per process.

    Raises:
        CatalogueError: when the shipped file is malformed.
    """
    text = resources.files("offermap.catalogue").joinpath(CATALOGUE_FILE).read_text("utf-8")
    try:
        return parse_catalogue(text)
    except CatalogueError as exc:
        raise CatalogueError(f"{exc}; the installation is damaged: reinstall offermap") from None


__all__ = [
    "CATALOGUE_FILE",
    "CatalogueError",
    "CatalogueOffer",
    "load_offers",
    "parse_catalogue",
    "parse_terms",
]
