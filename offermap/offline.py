"""Offline matching: read offers and services from CSV exports, match them, write proposals CSV.

The same engine as the pipeline (`offermap.matching.match`) runs on the files, so what a user
tries on exports is what `offermap sync` would propose. Input errors name the file, the line
and the column; nothing is written until the inputs are read and matched, and the output
file is replaced in one step, so a bad run never leaves half a file behind.
"""

from __future__ import annotations

import csv
import math
import os
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from offermap.catalogue import CatalogueOffer
from offermap.catalogue.csvfile import CsvInputError, read_csv
from offermap.catalogue.pricelist import read_price_list
from offermap.errors import InputError
from offermap.matching import MatchConfig, ServiceRecord, Variant, VariantResult, match
from offermap.rules import BillingFrequency, OfferType, Segment, Term

OFFER_COLUMNS: tuple[str, ...] = (
    "offer_id",
    "provider_offer_id",
    "offer_name",
    "offer_type",
    "segment",
    "term",
    "billing_frequency",
)
SERVICE_COLUMNS: tuple[str, ...] = (
    "service_id",
    "name",
    "period_type",
    "unit_cost",
    "unit_price",
    "is_active",
)
SERVICE_ID_COLUMNS: tuple[str, ...] = (
    "sku",
    "catalog_number_part_number",
    "manufacturer_service_provider_product_number",
    "external_id",
    "description",
    "invoice_description",
)
PROPOSAL_COLUMNS: tuple[str, ...] = (
    "offer_id",
    "segment",
    "term",
    "billing_frequency",
    "status",
    "rank",
    "service_id",
    "service_name",
    "score",
    "reasons",
)
PERIOD_LABELS: tuple[str, ...] = ("Monthly", "Quarterly", "Semi-Annual", "Yearly")
_TRUE = frozenset({"true", "yes", "1"})
_FALSE = frozenset({"false", "no", "0"})
# Reasons of one row are joined into one cell; "; " does not occur inside a reason.
REASON_SEPARATOR = "; "
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection); such
# cells get a leading apostrophe, which spreadsheets show as text and hide.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

_T = TypeVar("_T")


class OfflineInputError(InputError):
    """A CSV file offered to offline matching is unreadable or malformed, or the output would
    overwrite an input or a folder.

    The message names the file, and where known the line and the column.
    """


@dataclass(frozen=True)
class OfflineSummary:
    """What `match_files` did.

    Attributes:
        variants: how many offer variants were read.
        services: how many services were read.
        rows_written: rows of the proposals file.
        by_status: variants per status (proposed, abstained, not_required, unsupported).
        out: the proposals file.
    """

    variants: int
    services: int
    rows_written: int
    by_status: dict[str, int] = field(default_factory=dict)
    out: Path = Path()


@dataclass
class _Reader:
    path: Path
    row: dict[str, str]
    line: int

    def fail(self, column: str | None, message: str) -> OfflineInputError:
        where = f"{self.path}, line {self.line}"
        if column is not None:
            where += f", column {column}"
        return OfflineInputError(f"{where}: {message}")

    def text(self, column: str, *, required: bool = True) -> str:
        value = (self.row.get(column) or "").strip()
        if required and not value:
            raise self.fail(column, "is empty")
        return value

    def choice(self, column: str, allowed: Sequence[str]) -> str:
        value = self.text(column)
        if value not in allowed:
            raise self.fail(column, f"{value!r} is not one of {', '.join(allowed)}")
        return value

    def number(self, column: str) -> float | None:
        value = self.text(column, required=False)
        if not value:
            return None
        try:
            number = float(value)
        except ValueError:
            raise self.fail(column, f"{value!r} is not a number") from None
        if not math.isfinite(number):
            raise self.fail(column, f"{value!r} is not a finite number")
        return number


def _rows(path: Path, columns: Sequence[str]) -> Iterator[_Reader]:
    """Yield each data row of a CSV file, after checking the header has `columns`."""
    try:
        for row in read_csv(path, columns):
            yield _Reader(path, row.values, row.line)
    except CsvInputError as exc:
        raise OfflineInputError(str(exc)) from None


def _unique(
    items: Iterator[tuple[_Reader, _T]], key: Callable[[_T], object], what: str
) -> list[_T]:
    seen: dict[object, int] = {}
    out: list[_T] = []
    for reader, item in items:
        k = key(item)
        if k in seen:
            raise reader.fail(None, f"{what} repeats line {seen[k]}")
        seen[k] = reader.line
        out.append(item)
    return out


def _offer(reader: _Reader) -> Variant:
    return Variant(
        offer_id=reader.text("offer_id"),
        provider_offer_id=reader.text("provider_offer_id", required=False),
        offer_name=reader.text("offer_name"),
        offer_type=reader.choice("offer_type", [t.value for t in OfferType]),
        segment=reader.choice("segment", [s.value for s in Segment]),
        term=reader.choice("term", [t.value for t in Term]),
        billing_frequency=reader.choice("billing_frequency", [b.value for b in BillingFrequency]),
    )


def read_offers(path: Path) -> list[Variant]:
    """Read OFFERS.csv: `offer_id,provider_offer_id,offer_name,offer_type,segment,term,
    billing_frequency`, with CloudCockpit's enum names (License, Commercial, OneYear, Monthly).

    Raises:
        OfflineInputError: naming the file, line and column of the first problem, or a
            variant (offer_id, segment, term, billing_frequency) listed twice.
    """
    return _unique(
        ((reader, _offer(reader)) for reader in _rows(path, OFFER_COLUMNS)),
        lambda v: v.key,
        "the offer variant (offer_id, segment, term, billing_frequency)",
    )


def _service(reader: _Reader) -> ServiceRecord:
    raw_id = reader.text("service_id")
    try:
        service_id = int(raw_id)
    except ValueError:
        raise reader.fail("service_id", f"{raw_id!r} is not a whole number") from None
    active = reader.text("is_active").lower()
    if active not in _TRUE | _FALSE:
        raise reader.fail("is_active", f"{active!r} is not true or false")
    optional = {
        column: reader.text(column, required=False) or None for column in SERVICE_ID_COLUMNS
    }
    return ServiceRecord(
        service_id=service_id,
        name=reader.text("name"),
        period_type_label=reader.choice("period_type", PERIOD_LABELS),
        unit_cost=reader.number("unit_cost"),
        unit_price=reader.number("unit_price"),
        is_active=active in _TRUE,
        **optional,
    )


def read_services(path: Path) -> list[ServiceRecord]:
    """Read SERVICES.csv: `service_id,name,period_type,unit_cost,unit_price,is_active` and
    optionally the id-bearing columns (`sku`, `catalog_number_part_number`,
    `manufacturer_service_provider_product_number`, `external_id`, `description`,
    `invoice_description`). period_type is the Autotask label; is_active is true or false;
    an empty unit cost or price means unknown.

    Raises:
        OfflineInputError: naming the file, line and column of the first problem, or a
            service id listed twice.
    """
    return _unique(
        ((reader, _service(reader)) for reader in _rows(path, SERVICE_COLUMNS)),
        lambda s: s.service_id,
        "the service_id",
    )


def proposal_rows(results: Sequence[VariantResult]) -> list[dict[str, str]]:
    """The PROPOSALS.csv rows of matcher results; every variant gets at least one row.

    A proposed variant gets one row per proposed service (rank 1..K). An abstained variant
    gets one row per nearest candidate that was not proposed (no rank), or one empty row.
    not_required and unsupported variants get one row with the rule that decided it.
    """
    rows: list[dict[str, str]] = []
    for result in results:
        offer_id, segment, term, billing_frequency = result.variant.key
        base = {
            "offer_id": offer_id,
            "segment": segment,
            "term": term,
            "billing_frequency": billing_frequency,
            "status": result.status,
            "rank": "",
            "service_id": "",
            "service_name": "",
            "score": "",
            "reasons": result.reason or "",
        }
        shown = [
            c
            for c in result.candidates
            if (c.status == "proposed") == (result.status == "proposed")
        ]
        if result.status not in ("proposed", "abstained") or not shown:
            rows.append(base)
            continue
        for candidate in shown:
            reasons = list(candidate.reasons)
            if result.status == "abstained" and result.reason:
                reasons.insert(0, result.reason)
            rows.append(
                {
                    **base,
                    "rank": str(candidate.rank) if result.status == "proposed" else "",
                    "service_id": str(candidate.service_id),
                    "service_name": candidate.service_name,
                    "score": f"{candidate.score:.4f}",
                    "reasons": REASON_SEPARATOR.join(reasons),
                }
            )
    return rows


def spreadsheet_safe(value: str) -> str:
    """The value with a leading apostrophe when a spreadsheet would run it as a formula."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def write_proposals(path: Path, rows: Sequence[dict[str, str]]) -> None:
    """Write PROPOSALS.csv in one step: a temporary file next to it, then a rename.

    Every cell a spreadsheet would run as a formula (starting with =, +, -, @, a tab or a
    carriage return) is written with a leading apostrophe.

    Raises:
        OfflineInputError: when the path is a folder or the folder cannot be written.
    """
    if path.is_dir():
        raise OfflineInputError(
            f"{path}: is a folder; give --out a file name such as {path / 'proposals.csv'}"
        )
    folder = path.parent if str(path.parent) else Path(".")
    try:
        descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise OfflineInputError(f"{path}: cannot be written ({exc.strerror or exc})") from None
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(PROPOSAL_COLUMNS))
            writer.writeheader()
            writer.writerows(
                {key: spreadsheet_safe(value) for key, value in row.items()} for row in rows
            )
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _write_csv(path: Path, columns: Sequence[str], rows: Iterator[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns))
        writer.writeheader()
        writer.writerows(rows)


def write_offers(path: Path, variants: Sequence[Variant]) -> None:
    """Write offer variants as OFFERS.csv (the format `read_offers` reads)."""
    _write_csv(
        path,
        OFFER_COLUMNS,
        (
            {
                "offer_id": v.offer_id,
                "provider_offer_id": v.provider_offer_id,
                "offer_name": v.offer_name,
                "offer_type": v.offer_type,
                "segment": v.segment,
                "term": v.term,
                "billing_frequency": v.billing_frequency,
            }
            for v in variants
        ),
    )


def _number_text(value: float | None) -> str:
    return "" if value is None else repr(float(value))


def write_services(path: Path, services: Sequence[ServiceRecord]) -> None:
    """Write services as SERVICES.csv with every optional column (what `read_services` reads)."""
    _write_csv(
        path,
        (*SERVICE_COLUMNS, *SERVICE_ID_COLUMNS),
        (
            {
                "service_id": str(s.service_id),
                "name": s.name,
                "period_type": s.period_type_label or "",
                "unit_cost": _number_text(s.unit_cost),
                "unit_price": _number_text(s.unit_price),
                "is_active": "true" if s.is_active else "false",
                **{column: getattr(s, column) or "" for column in SERVICE_ID_COLUMNS},
            }
            for s in services
        ),
    )


def read_catalogue(path: Path) -> tuple[CatalogueOffer, ...]:
    """The offers of a price list file, for the matcher to know as siblings.

    Raises:
        OfflineInputError: naming the file, line and column of the first problem.
    """
    try:
        return read_price_list(path).offers()
    except CsvInputError as exc:
        raise OfflineInputError(str(exc)) from None


def check_output(out: Path, **inputs: Path) -> None:
    """Refuse an output path that is one of the inputs (by any spelling) or a folder.

    Args:
        out: the file to be written.
        inputs: what each input is called in the message (`offers=...`) -> its path.

    Raises:
        OfflineInputError: naming the clash and what to do.
    """
    target = out.resolve()
    for what, path in inputs.items():
        if path.resolve() == target:
            raise OfflineInputError(
                f"{out}: is the {what} file; writing the proposals there would overwrite it, "
                "so give --out another file name"
            )
    if out.is_dir():
        raise OfflineInputError(
            f"{out}: is a folder; give --out a file name such as {out / 'proposals.csv'}"
        )


def match_files(
    offers: Path,
    services: Path,
    out: Path,
    *,
    config: MatchConfig | None = None,
    catalogue: Path | None = None,
) -> OfflineSummary:
    """Match the offers of OFFERS.csv to the services of SERVICES.csv, write PROPOSALS.csv.

    Args:
        offers: OFFERS.csv (see `read_offers`).
        services: SERVICES.csv (see `read_services`).
        out: PROPOSALS.csv to write (replaced if it exists).
        config: threshold and how many services to propose per variant (`top_k`).
        catalogue: a price list (Microsoft's NCE export or a distributor's list, see
            `offermap.catalogue.pricelist`) whose offers the matcher knows as siblings.

    Returns:
        Counts of what was read and written.

    Raises:
        OfflineInputError: a file is unreadable or malformed (file, line and column named),
            or `out` is one of the input files or a folder.
    """
    inputs = {"offers": offers, "services": services}
    if catalogue is not None:
        inputs["catalogue"] = catalogue
    check_output(out, **inputs)
    variants = read_offers(offers)
    records = read_services(services)
    known = read_catalogue(catalogue) if catalogue is not None else ()
    results = match(variants, records, catalogue=known, config=config or MatchConfig())
    rows = proposal_rows(results)
    write_proposals(out, rows)
    return OfflineSummary(
        variants=len(variants),
        services=len(records),
        rows_written=len(rows),
        by_status=dict(Counter(result.status for result in results)),
        out=out,
    )
