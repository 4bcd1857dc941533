"""The sandbox MSP's Autotask service catalogue: right services, unsold ones and decoys."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from offermap.sandbox.naming import ServiceText, renamed, service_text, truncate
from offermap.sandbox.offers import Offer

REFERENCE_TIME = datetime(2026, 6, 1, 9, 0, 0, tzinfo=UTC)
DEFAULT_PERIOD_TYPES: dict[str, int] = {"Monthly": 2, "Quarterly": 3, "Semi-Annual": 4, "Yearly": 5}
BILLING_CODES: tuple[int, ...] = (29682801, 29682802, 29682803)
SLA_IDS: tuple[int, ...] = (1, 2, 3)
MICROSOFT_VENDOR_ID = 174
RESOURCE_IDS: tuple[int, ...] = (29682833, 29682885, 29682901)

_MONTHS = {"NoTerm": 1, "OneMonth": 1, "OneYear": 12, "ThreeYears": 36, "FiveYears": 60}


@dataclass(frozen=True)
class Variant:
    """An offer variant: the mapping key without the connection."""

    offer: Offer
    segment: str
    term: str
    billing: str

    @property
    def supported(self) -> bool:
        """Whether CloudCockpit would let this variant be mapped to a service at all."""
        if self.offer.offer_type in ("LicenseLegacy", "AzureReservation"):
            return False
        return self.billing in ("Monthly", "Annual")

    @property
    def months(self) -> int:
        """Length of the commitment term in months."""
        return _MONTHS.get(self.term, 1)


@dataclass
class Pin:
    """A variant the small tenant must contain, with the naming case it demonstrates."""

    provider_offer_id: str
    segment: str
    term: str
    billing: str
    style: str | None = None
    old_name: bool = False
    truncated: bool = False
    has_service: bool = True


def monthly_price(offer: Offer) -> float:
    """A plausible, deterministic per-seat monthly list price for the offer."""
    if offer.offer_type == "AzurePlan":
        return 0.0
    digest = int.from_bytes(hashlib.sha256(offer.provider_offer_id.encode()).digest()[:4], "big")
    return round(2.0 + (digest % 5700) / 100.0, 2)


def _iso(moment: datetime) -> str:
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


_THIRD_PARTY = (
    "Huntress Managed EDR - per endpoint",
    "Proofpoint Essentials Business - per user",
    "Acronis Cyber Protect Cloud - per workload",
    "Mimecast Email Security - per user",
    "Keeper Business Password Manager",
    "Webroot SecureAnywhere Endpoint",
    "N-able RMM Agent - Server",
    "Dropsuite M365 Backup",
)
_LABOUR = (
    "Quarterly Business Review",
    "Helpdesk Support - per user",
    "vCIO Advisory Retainer",
    "Network Monitoring - per device",
    "After-hours Support Block",
    "Project Management - Hourly",
)


class CatalogueBuilder:
    """Accumulates Autotask service records and hands out ids at the end."""

    def __init__(self, rng: random.Random, period_types: dict[str, int]) -> None:
        """Start an empty catalogue.

        Args:
            rng: the tenant's random generator (the only source of randomness).
            period_types: periodType picklist label -> integer value for this tenant.
        """
        self.rng = rng
        self.period_types = period_types
        self.records: list[dict[str, Any]] = []

    def add(
        self,
        text: ServiceText,
        period: str,
        unit_price: float,
        unit_cost: float | None,
        *,
        active: bool = True,
        vendor_id: int | None = MICROSOFT_VENDOR_ID,
    ) -> dict[str, Any]:
        """Add one service (id assigned later by `finish`) and return its record."""
        rng = self.rng
        created = REFERENCE_TIME - timedelta(
            days=rng.randrange(30, 1500), seconds=rng.randrange(86400)
        )
        modified = created + timedelta(days=rng.randrange(0, 29), seconds=rng.randrange(86400))
        markup = None
        if unit_cost:
            markup = round((unit_price - unit_cost) / unit_cost * 100, 4)
        record: dict[str, Any] = {
            "id": 0,
            "name": text.name,
            "description": text.description,
            "invoiceDescription": text.invoice_description,
            "billingCodeID": rng.choice(BILLING_CODES),
            "periodType": self.period_types[period],
            "unitPrice": round(unit_price, 2),
            "unitCost": None if unit_cost is None else round(unit_cost, 2),
            "markupRate": markup,
            "isActive": active,
            "serviceLevelAgreementID": rng.choice((None, None, *SLA_IDS)),
            "vendorCompanyID": vendor_id,
            "manufacturerServiceProvider": text.extra.get("manufacturerServiceProvider"),
            "manufacturerServiceProviderProductNumber": text.mfr_product_number,
            "catalogNumberPartNumber": text.catalog_number,
            "sku": text.sku,
            "internalID": None,
            "externalID": text.external_id,
            "url": None,
            "createDate": _iso(created),
            "lastModifiedDate": _iso(modified),
            "creatorResourceID": rng.choice(RESOURCE_IDS),
            "updateResourceID": rng.choice(RESOURCE_IDS),
        }
        self.records.append(record)
        return record

    def add_for_variant(self, variant: Variant, pin: Pin | None = None) -> dict[str, Any]:
        """Add the right service for a supported variant, named in an MSP style."""
        offer = variant.offer
        if pin is not None and pin.old_name:
            offer = renamed(offer)
        monthly = monthly_price(variant.offer)
        price = monthly * (12 if variant.billing == "Annual" else 1)
        # Annual commitments are cheaper per month than month-to-month.
        if variant.term != "OneMonth":
            price *= 0.9
        style = pin.style if pin is not None else None
        text = service_text(
            offer, variant.segment, variant.term, variant.billing, self.rng, price, style
        )
        if pin is not None and pin.truncated:
            text = truncate(text)
        if variant.offer.offer_type == "AzurePlan":
            text = ServiceText(
                "Azure Consumption (billed in arrears)",
                description="Azure plan usage passes through at cost",
                sku=variant.offer.provider_offer_id,
            )
            return self.add(text, "Monthly", 0.0, 0.0)
        period = "Yearly" if variant.billing == "Annual" else "Monthly"
        return self.add(text, period, price, price * 0.85)

    def add_decoys(self, variants: list[Variant], count: int) -> None:
        """Add `count` services no acquired variant should map to."""
        rng = self.rng
        fixed: list[tuple[str, str, float, float | None, bool, int | None]] = [
            (
                "Azure Plan - Managed (with 10% uplift)",
                "Monthly",
                15.0,
                0.0,
                True,
                MICROSOFT_VENDOR_ID,
            ),
            ("Datto SaaS Protection for M365 - per user", "Monthly", 4.0, 2.5, True, 301),
            ("SentinelOne Control - per endpoint", "Monthly", 6.5, 4.2, True, 302),
            ("Remote Support - Hourly", "Monthly", 125.0, None, True, None),
            ("Onsite Labour", "Monthly", 165.0, None, True, None),
            (
                "Microsoft 365 Business Standard - Quarterly",
                "Quarterly",
                45.0,
                37.5,
                True,
                MICROSOFT_VENDOR_ID,
            ),
            (
                "Microsoft 365 Business Premium (old CSP)",
                "Monthly",
                25.0,
                20.0,
                False,
                MICROSOFT_VENDOR_ID,
            ),
            ("Office 365 E3 Legacy - monthly", "Monthly", 23.0, 20.0, True, MICROSOFT_VENDOR_ID),
            (
                "Azure Reserved Instance - VM DSv2 1yr",
                "Monthly",
                130.0,
                120.0,
                True,
                MICROSOFT_VENDOR_ID,
            ),
            ("Managed Microsoft 365 Support - per user", "Monthly", 12.0, 0.0, True, None),
            ("Microsoft 365 Migration (project)", "Semi-Annual", 500.0, 0.0, True, None),
        ]
        for name, period, price, cost, active, vendor in fixed[:count]:
            self.add(ServiceText(name), period, price, cost, active=active, vendor_id=vendor)
        supported = [v for v in variants if v.supported and v.offer.offer_type != "AzurePlan"]
        for i in range(max(0, count - len(fixed))):
            variant = rng.choice(supported)
            kind = i % 4
            text = service_text(
                variant.offer, variant.segment, variant.term, variant.billing, rng, 10.0
            )
            monthly = monthly_price(variant.offer)
            if kind == 0:
                # A retired duplicate of a right service.
                text.name = f"{text.name} (retired)"
                self.add(text, "Monthly", monthly, monthly * 0.85, active=False)
            elif kind == 1:
                # Wrong period: a monthly-named service entered as Yearly (or the reverse).
                wrong = "Yearly" if variant.billing == "Monthly" else "Monthly"
                self.add(text, wrong, monthly, monthly * 0.85)
            elif kind == 2:
                product = _THIRD_PARTY[(i // 4) % len(_THIRD_PARTY)]
                tier = (i // 4) // len(_THIRD_PARTY)
                name = product if tier == 0 else f"{product} - Tier {tier + 1}"
                self.add(ServiceText(name), "Monthly", 3.0 + tier, 2.0 + tier, vendor_id=303)
            else:
                product = _LABOUR[(i // 4) % len(_LABOUR)]
                tier = (i // 4) // len(_LABOUR)
                name = product if tier == 0 else f"{product} - Package {tier + 1}"
                period = "Quarterly" if product.startswith("Quarterly") else "Monthly"
                self.add(ServiceText(name), period, 90.0 + tier, None, vendor_id=None)

    def finish(self) -> list[dict[str, Any]]:
        """Shuffle the catalogue, assign increasing ids with gaps and return it id-ascending."""
        self.rng.shuffle(self.records)
        next_id = 29683000
        for record in self.records:
            next_id += self.rng.randint(1, 4)
            record["id"] = next_id
        return self.records
