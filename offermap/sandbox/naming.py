"""Autotask service names in the styles MSPs really use (docs/notes/cloudcockpit-domain.md §4)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from offermap.sandbox.offers import Offer

# Microsoft renamed these products; MSP catalogues often still carry the old name.
OLD_NAMES: dict[str, str] = {
    "Microsoft Entra ID P1": "Azure AD Premium P1",
    "Microsoft Entra ID P2": "Azure Active Directory Premium P2",
    "Planner and Project Plan 3": "Project Plan 3",
    "Planner and Project Plan 5": "Project Plan 5",
    "Microsoft 365 Copilot": "Copilot for Microsoft 365",
}

_ABBREVIATIONS: tuple[tuple[str, str], ...] = (
    ("Microsoft 365", "M365"),
    ("Office 365", "O365"),
    ("Business Standard", "Bus Std"),
    ("Business Premium", "BP"),
    ("Business Basic", "BB"),
    ("Exchange Online", "EXO"),
    ("(Plan 1)", "P1"),
    ("(Plan 2)", "P2"),
    ("Enterprise Mobility + Security", "EMS"),
    ("Enterprise", "Ent"),
    ("Microsoft Defender", "Defender"),
    ("Microsoft Teams", "Teams"),
    ("Microsoft Intune", "Intune"),
    ("Microsoft Entra ID", "Entra ID"),
    ("Windows 10/11", "Win 10/11"),
    ("for faculty", "Faculty"),
)

_SEGMENT_MARKS: dict[str, tuple[str, ...]] = {
    "NonProfit": ("Nonprofit", "NONPROFIT STAFF PRICING", "(NFP)"),
    "Education": ("EDU", "Faculty", "(Academic)"),
    "Government": ("GCC", "(Government)", "GOV"),
}


def abbreviate(name: str) -> str:
    """Shorten a Microsoft product name the way distributors and MSPs do."""
    out = name
    for long, short in _ABBREVIATIONS:
        out = out.replace(long, short)
    return " ".join(out.split())


def _product_name(offer: Offer, rng: random.Random) -> str:
    if offer.name in OLD_NAMES and rng.random() < 0.5:
        return OLD_NAMES[offer.name]
    return offer.name


def renamed(offer: Offer) -> Offer:
    """The same offer carrying the product's old name, for services that predate a rename."""
    old = OLD_NAMES.get(offer.name)
    if old is None:
        raise ValueError(f"offer {offer.provider_offer_id} ({offer.name}) has no known old name")
    return Offer(
        offer.offer_id, offer.provider_offer_id, old, offer.offer_type, offer.segment, offer.terms
    )


def _segment_mark(offer: Offer, segment: str, rng: random.Random) -> str:
    # Faculty SKUs already say so in their name; only a segment sold on another SKU needs a mark.
    if segment == offer.segment:
        return ""
    marks = _SEGMENT_MARKS.get(segment)
    return f" {rng.choice(marks)}" if marks else ""


@dataclass
class ServiceText:
    """The name and identifier-bearing fields of one generated service."""

    name: str
    description: str | None = None
    invoice_description: str | None = None
    sku: str | None = None
    catalog_number: str | None = None
    mfr_product_number: str | None = None
    external_id: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


Style = Callable[[Offer, str, str, str, random.Random], ServiceText]


def _plain(offer: Offer, segment: str, term: str, billing: str, rng: random.Random) -> ServiceText:
    suffix = {
        ("OneMonth", "Monthly"): " - Monthly",
        ("OneYear", "Monthly"): " - Annual (Billed Monthly)",
        ("OneYear", "Annual"): " - Annual (Billed Annually)",
        ("ThreeYears", "Monthly"): " - 3 Year (Billed Monthly)",
        ("ThreeYears", "Annual"): " - 3 Year (Billed Annually)",
    }.get((term, billing), f" - {term} {billing}")
    return ServiceText(_product_name(offer, rng) + _segment_mark(offer, segment, rng) + suffix)


def _abbreviated_nce(
    offer: Offer, segment: str, term: str, billing: str, rng: random.Random
) -> ServiceText:
    months = {"OneMonth": "1M", "OneYear": "12M", "ThreeYears": "36M"}.get(term, "")
    paid = (
        ""
        if term == "OneMonth"
        else (" (paid monthly)" if billing == "Monthly" else " (paid upfront)")
    )
    base = abbreviate(_product_name(offer, rng))
    return ServiceText(f"{base}{_segment_mark(offer, segment, rng)} NCE {months}{paid}")


def _halo(offer: Offer, segment: str, term: str, billing: str, rng: random.Random) -> ServiceText:
    suffix = {
        ("OneMonth", "Monthly"): "Month to Month",
        ("OneYear", "Monthly"): "1 Year Commitment",
        ("OneYear", "Annual"): "1 Year Commitment (Annual Upfront)",
    }.get((term, billing), f"{term} / {billing}")
    return ServiceText(
        f"(NCE) {offer.name}{_segment_mark(offer, segment, rng)} - {suffix}",
        sku=f"{offer.provider_offer_id}:{segment}",
    )


def _n8n(offer: Offer, segment: str, term: str, billing: str, rng: random.Random) -> ServiceText:
    if term == "OneMonth":
        suffix = "Month to Month"
    elif billing == "Monthly":
        suffix = "Annual Commit (Billed Monthly)"
    else:
        suffix = "Annual Commit (Billed Annually)"
    if term == "ThreeYears":
        suffix = suffix.replace("Annual Commit", "3 Year Commit")
    # The workflow cuts names to Autotask's 100 characters.
    name = f"{offer.name}{_segment_mark(offer, segment, rng)} - {suffix} [{offer.product_id}]"[:100]
    return ServiceText(name, description=f"Microsoft CSP {offer.provider_offer_id}")


def _distributor(
    offer: Offer, segment: str, term: str, billing: str, rng: random.Random
) -> ServiceText:
    iso = {"OneMonth": "P1M", "OneYear": "P1Y", "ThreeYears": "P3Y"}.get(term, "P1M")
    commit = {"OneMonth": "1MTH COMMIT", "OneYear": "1YR COMMIT", "ThreeYears": "3YR COMMIT"}.get(
        term, ""
    )
    paid = " ANNUAL" if billing == "Annual" else ""
    prefix = rng.choice(("MS NCE", "MICROSOFT CSP", "Microsoft MS Nce"))
    mark = _segment_mark(offer, segment, rng).upper()
    name = f"{prefix} {abbreviate(offer.name).upper()}{mark} {commit}{paid}"
    stock = f"{iso}:{offer.provider_offer_id}:{'Y' if billing == 'Annual' else '1'}:"
    return ServiceText(
        name, mfr_product_number=stock, extra={"manufacturerServiceProvider": "Microsoft"}
    )


def _spanish(
    offer: Offer, segment: str, term: str, billing: str, rng: random.Random
) -> ServiceText:
    suffix, code = {
        ("OneMonth", "Monthly"): ("(Mensual)", "M"),
        ("OneYear", "Monthly"): ("(Anualidad con Pago Mensual)", "A/M"),
        ("OneYear", "Annual"): ("(Anual)", "A"),
    }.get((term, billing), (f"({term})", "X"))
    return ServiceText(
        f"{_product_name(offer, rng)}{_segment_mark(offer, segment, rng)} {suffix}",
        catalog_number=f"{offer.product_id} - {code}",
    )


def _ingram(offer: Offer, segment: str, term: str, billing: str, rng: random.Random) -> ServiceText:
    seg = {"Commercial": "COM", "NonProfit": "NPO", "Education": "EDU", "Government": "GOV"}[
        segment
    ]
    suffix = {
        ("OneMonth", "Monthly"): "MTH",
        ("OneYear", "Monthly"): "1YR MTH",
        ("OneYear", "Annual"): "1YR ANN",
    }.get((term, billing), f"{term} {billing}".upper())
    return ServiceText(f"{offer.name} (NCE {seg} {suffix})", external_id=offer.provider_offer_id)


def _pipes(offer: Offer, segment: str, term: str, billing: str, rng: random.Random) -> ServiceText:
    commitment = {"OneMonth": "monthly commitment", "OneYear": "annual commitment"}.get(
        term, "3 year commitment"
    )
    bill = "monthly billing" if billing == "Monthly" else "annual billing"
    return ServiceText(
        f"{_product_name(offer, rng)}{_segment_mark(offer, segment, rng)} | {commitment} | {bill}"
    )


STYLES: tuple[Style, ...] = (
    _plain,
    _abbreviated_nce,
    _halo,
    _n8n,
    _distributor,
    _spanish,
    _ingram,
    _pipes,
)


def add_noise(text: ServiceText, rng: random.Random, price: float) -> ServiceText:
    """Apply one kind of catalogue noise (truncation, spacing, case, embedded price)."""
    kind = rng.randrange(6)
    name = text.name
    if kind == 0 and len(name) > 50:
        name = name[:50]
    elif kind == 1:
        name = "  " + name.replace(" ", "  ", 1)
    elif kind == 2:
        # Missing spaces, like "...CAPACITYADD-ON" in real catalogues.
        words = name.split(" ")
        if len(words) > 2:
            cut = rng.randrange(1, len(words) - 1)
            name = " ".join(words[:cut]) + words[cut] + " " + " ".join(words[cut + 1 :])
            name = name.rstrip()
    elif kind == 3:
        name = f"{name} RRP. ${price:.2f}"
    elif kind == 4:
        name = name.upper()
    text.name = name
    return text


STYLE_NAMES: dict[str, Style] = {
    "plain": _plain,
    "abbreviated": _abbreviated_nce,
    "halo": _halo,
    "n8n": _n8n,
    "distributor": _distributor,
    "spanish": _spanish,
    "ingram": _ingram,
    "pipes": _pipes,
}


def truncate(text: ServiceText, length: int = 50) -> ServiceText:
    """Cut the name at `length` characters, as some catalogues do mid-word."""
    text.name = text.name[:length]
    return text


def service_text(
    offer: Offer,
    segment: str,
    term: str,
    billing: str,
    rng: random.Random,
    price: float,
    style: str | None = None,
) -> ServiceText:
    """A realistic name (and id fields) for the service meant for this offer variant.

    Args:
        style: one of `STYLE_NAMES` to pin the style (and skip random noise); random when None.
    """
    if style is not None:
        return STYLE_NAMES[style](offer, segment, term, billing, rng)
    text = rng.choice(STYLES)(offer, segment, term, billing, rng)
    if rng.random() < 0.2:
        text = add_noise(text, rng, price)
    return text
