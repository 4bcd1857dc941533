"""The offer catalogue the sandbox sells: the real NCE offers, and made-up ones."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from offermap.catalogue import load_offers

# CloudCockpit offer ids are GUIDs; the sandbox derives stable ones from the Microsoft id.
OFFER_NAMESPACE = uuid.UUID("6f1c2b0e-3d4a-5e6f-8a9b-0c1d2e3f4a5b")

TERM_BILLING: dict[str, tuple[str, ...]] = {
    "OneMonth": ("Monthly",),
    "OneYear": ("Monthly", "Annual"),
    "ThreeYears": ("Monthly", "Annual", "Triennial"),
}


@dataclass(frozen=True)
class Offer:
    """One CloudCockpit offer with the (term, billing frequency) pairs it is sold with."""

    offer_id: str
    provider_offer_id: str
    name: str
    offer_type: str
    segment: str
    terms: tuple[tuple[str, str], ...]
    synthetic: bool = False

    @property
    def billing_type(self) -> str:
        """CloudCockpit's billingType name for the offer."""
        return "Usage" if self.offer_type == "AzurePlan" else "License"

    @property
    def product_id(self) -> str:
        """The Microsoft product part of `provider_offer_id` (before the colon)."""
        return self.provider_offer_id.split(":", 1)[0]


def offer_guid(provider_offer_id: str) -> str:
    """The stable CloudCockpit GUID the sandbox gives the offer with this Microsoft id."""
    return str(uuid.uuid5(OFFER_NAMESPACE, provider_offer_id))


def load_nce_offers() -> list[Offer]:
    """The real NCE offers of the shipped catalogue (`offermap.catalogue`), as sandbox offers.

    Raises:
        ValueError: naming the line when a catalogue row lacks a field or has a malformed
            term pair.
    """
    return [
        Offer(
            offer_id=offer_guid(row.provider_offer_id),
            provider_offer_id=row.provider_offer_id,
            name=row.name,
            offer_type=row.offer_type,
            segment=row.segment,
            terms=row.terms,
        )
        for row in load_offers()
    ]


def made_up_offers() -> list[Offer]:
    """Offers the real catalogue lacks but the rules need: a legacy licence and a triennial one.

    Their ids are obviously invented so that nobody mistakes them for Microsoft's.
    """
    legacy_id = "LEGACY-O365E3-0001"
    triennial_id = "MADEUP3YD365:0001"
    return [
        Offer(
            offer_id=offer_guid(legacy_id),
            provider_offer_id=legacy_id,
            name="Office 365 E3 (Legacy)",
            offer_type="LicenseLegacy",
            segment="Commercial",
            terms=(("OneMonth", "Monthly"), ("OneYear", "Annual")),
            synthetic=True,
        ),
        Offer(
            offer_id=offer_guid(triennial_id),
            provider_offer_id=triennial_id,
            name="Dynamics 365 Business Central Essentials (3 Year)",
            offer_type="License",
            segment="Commercial",
            terms=(
                ("ThreeYears", "Monthly"),
                ("ThreeYears", "Annual"),
                ("ThreeYears", "Triennial"),
            ),
            synthetic=True,
        ),
    ]


_FILLER_WORDS = (
    "Add-on",
    "Extra Capacity",
    "Frontline",
    "Unattended",
    "Device",
    "Tier",
    "Pack",
    "Plus",
    "Capacity Unit",
    "Attach",
)


def synthetic_offers(base: list[Offer], count: int, start: int = 1) -> list[Offer]:
    """Invent `count` licence offers named after real ones, for the large scales.

    Names stay realistic (a real product name plus a qualifier and a number) and the
    Microsoft ids start with `SBX`, which no real product id does.
    """
    licences = [o for o in base if o.offer_type == "License"]
    out: list[Offer] = []
    for i in range(start, start + count):
        model = licences[i % len(licences)]
        word = _FILLER_WORDS[(i // len(licences)) % len(_FILLER_WORDS)]
        pid = f"SBX{i:09d}:{(i % 7) + 1:04d}"
        out.append(
            Offer(
                offer_id=offer_guid(pid),
                provider_offer_id=pid,
                name=f"{model.name} {word} {i}",
                offer_type="License",
                segment=model.segment,
                terms=model.terms,
                synthetic=True,
            )
        )
    return out
