"""Deterministic sandbox tenants: CloudCockpit and Autotask data plus the matcher's ground truth."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from offermap.sandbox.cloudcockpit_data import (
    PROVIDER_INSTANCE_ID,
    build_cc_offers,
    build_customers,
    build_subscriptions,
    iso_z,
    new_guid,
)
from offermap.sandbox.offers import Offer, load_nce_offers, made_up_offers, synthetic_offers
from offermap.sandbox.service_catalog import (
    DEFAULT_PERIOD_TYPES,
    REFERENCE_TIME,
    CatalogueBuilder,
    Pin,
    Variant,
)


@dataclass(frozen=True)
class Scale:
    """Sizes of a named tenant scale."""

    name: str
    customers: int
    subscriptions: int
    variants: int
    services: int
    resellers: int
    unacquired_services: int
    decoys: int
    no_service_share: float


SCALES: dict[str, Scale] = {
    "small": Scale("small", 25, 150, 45, 75, 2, 8, 14, 0.08),
    "large": Scale("large", 2000, 50000, 1500, 5000, 20, 3000, 400, 0.08),
    "xl": Scale("xl", 8000, 120000, 20000, 50000, 60, 28000, 4000, 0.08),
}

# Variants every tenant contains: each demonstrates a rule or a naming case.
PINS: tuple[Pin, ...] = (
    Pin("CFQ7TTC0LDPB:0001", "Commercial", "OneYear", "Monthly", style="abbreviated"),
    Pin("CFQ7TTC0LDPB:0001", "Commercial", "OneMonth", "Monthly", style="plain"),
    Pin("CFQ7TTC0LCHC:0002", "Commercial", "OneMonth", "Monthly", style="halo"),
    Pin("CFQ7TTC0LCHC:0002", "Commercial", "OneYear", "Monthly", style="distributor"),
    Pin("CFQ7TTC0LCHC:0002", "NonProfit", "OneYear", "Monthly", style="plain"),
    Pin("CFQ7TTC0LFLX:0001", "Commercial", "OneYear", "Monthly", style="n8n"),
    Pin("CFQ7TTC0LFLX:0001", "Government", "OneYear", "Monthly", style="plain"),
    Pin("CFQ7TTC0LH18:0001", "Commercial", "OneYear", "Annual", style="spanish"),
    Pin("CFQ7TTC0LH18:0001", "Commercial", "OneMonth", "Monthly", style="spanish"),
    Pin("CFQ7TTC0LFLS:0002", "Commercial", "OneYear", "Monthly", style="plain", old_name=True),
    Pin("CFQ7TTC0LDPB:0011", "Commercial", "OneYear", "Monthly", style="n8n", truncated=True),
    Pin("CFQ7TTC0LFLZ:0002", "Commercial", "OneYear", "Annual", style="pipes"),
    Pin("CFQ7TTC0LHPL:000W", "Education", "OneYear", "Annual", style="plain"),
    Pin("CFQ7TTC0LHSF:0011", "Education", "OneYear", "Monthly", style="ingram"),
    Pin("CFQ7TTC0LH16:0001", "Commercial", "OneYear", "Monthly", has_service=False),
    Pin("DZH318Z0BPS6:0001", "Commercial", "NoTerm", "Monthly"),
    Pin("DZH318Z0BQ3Q:0001", "Commercial", "OneYear", "Monthly"),
    Pin("DZH318Z0BQ3Q:0001", "Commercial", "ThreeYears", "OneTime"),
    Pin("LEGACY-O365E3-0001", "Commercial", "OneMonth", "Monthly"),
    Pin("MADEUP3YD365:0001", "Commercial", "ThreeYears", "Triennial"),
    Pin("MADEUP3YD365:0001", "Commercial", "ThreeYears", "Monthly", style="plain"),
)


@dataclass
class Tenant:
    """One deterministic sandbox tenant: both systems' data plus the matcher's ground truth."""

    scale: str
    seed: int
    offers: list[Offer]
    cc_customers: list[dict[str, Any]]
    cc_subscriptions: list[dict[str, Any]]
    cc_offers: list[dict[str, Any]]
    cc_resellers: list[str]
    autotask_services: list[dict[str, Any]]
    autotask_companies: list[dict[str, Any]]
    ground_truth: list[dict[str, Any]]
    period_types: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_PERIOD_TYPES))
    provider_instance_id: str = PROVIDER_INSTANCE_ID


def _pick_variants(
    scale: Scale, offers: list[Offer], rng: random.Random
) -> list[tuple[Variant, Pin | None]]:
    by_pid = {o.provider_offer_id: o for o in offers}
    chosen: list[tuple[Variant, Pin | None]] = []
    seen: set[tuple[str, str, str, str]] = set()
    for pin in PINS:
        variant = Variant(by_pid[pin.provider_offer_id], pin.segment, pin.term, pin.billing)
        chosen.append((variant, pin))
        seen.add((pin.provider_offer_id, pin.segment, pin.term, pin.billing))
    pool: list[Variant] = []
    for offer in offers:
        if offer.offer_type != "License":
            continue
        segments = [offer.segment]
        if offer.segment == "Commercial" and not offer.synthetic:
            segments.append("NonProfit")
        for segment in segments:
            for term, billing in offer.terms:
                if (offer.provider_offer_id, segment, term, billing) not in seen:
                    pool.append(Variant(offer, segment, term, billing))
    rng.shuffle(pool)
    # NonProfit variants are rarer than Commercial ones in a real MSP's book.
    pool.sort(key=lambda v: v.segment == "NonProfit" and rng.random() < 0.7)
    needed = max(0, scale.variants - len(chosen))
    chosen.extend((v, None) for v in pool[:needed])
    return chosen


def _unacquired(
    offers: list[Offer], acquired: set[Variant], count: int, rng: random.Random
) -> list[Variant]:
    pool = [
        Variant(o, o.segment, t, b)
        for o in offers
        if o.offer_type == "License"
        for t, b in o.terms
        if b in ("Monthly", "Annual")
    ]
    pool = [v for v in pool if v not in acquired]
    rng.shuffle(pool)
    return pool[:count]


def _companies(customers: list[dict[str, Any]], rng: random.Random) -> list[dict[str, Any]]:
    def company(cid: int, name: str, ctype: int, phone: str) -> dict[str, Any]:
        """One Autotask company record."""
        created = REFERENCE_TIME - timedelta(days=rng.randrange(100, 2000))
        return {
            "id": cid,
            "companyName": name,
            "companyNumber": str(cid),
            "companyType": ctype,
            "isActive": True,
            "phone": phone,
            "webAddress": None,
            "city": None,
            "ownerResourceID": 29682833,
            "createDate": iso_z(created),
            "lastActivityDate": iso_z(created + timedelta(days=rng.randrange(0, 99))),
        }

    out = [
        company(0, "Sandbox MSP", 1, "+31 20 0000000"),
        company(174, "Microsoft Corporation", 5, "+1 425 882 8080"),
        company(301, "Datto", 5, "+1 203 000 0000"),
        company(302, "SentinelOne", 5, "+1 855 000 0000"),
        company(303, "Backup Vendor", 5, "+1 555 000 0000"),
    ]
    next_id = 29683500
    for customer in customers:
        next_id += rng.randint(1, 3)
        out.append(company(next_id, customer["companyName"], 1, customer["phone"]))
    for i in range(max(2, len(customers) // 10)):
        next_id += rng.randint(1, 3)
        out.append(company(next_id, f"Prospect {i + 1} Ltd", 3, "+31 20 1111111"))
    out.sort(key=lambda c: c["id"])
    return out


def build_tenant(
    scale: str = "small", seed: int = 7, period_types: dict[str, int] | None = None
) -> Tenant:
    """Generate a tenant: the same scale and seed always give identical data.

    Args:
        scale: one of `SCALES` ("small", "large", "xl").
        seed: any integer; different seeds give different data.
        period_types: the Autotask periodType picklist (label -> integer) of this tenant;
            defaults to Monthly 2, Quarterly 3, Semi-Annual 4, Yearly 5.

    Raises:
        ValueError: for an unknown scale or a picklist missing Monthly or Yearly.
    """
    if scale not in SCALES:
        raise ValueError(f"unknown sandbox scale {scale!r}; choose one of {', '.join(SCALES)}")
    picklist = dict(period_types or DEFAULT_PERIOD_TYPES)
    missing = [label for label in DEFAULT_PERIOD_TYPES if label not in picklist]
    if missing:
        raise ValueError(f"period_types lacks {', '.join(missing)}")
    size = SCALES[scale]
    rng = random.Random(f"offermap-sandbox:{scale}:{seed}")

    offers = load_nce_offers() + made_up_offers()
    real_pool = sum(len(o.terms) for o in offers if o.offer_type == "License") * 2
    wanted = size.variants + size.unacquired_services
    if wanted > real_pool:
        offers += synthetic_offers(offers, math.ceil((wanted - real_pool) / 3) + 10)

    picked = _pick_variants(size, offers, rng)
    variants = [v for v, _ in picked]
    resellers = [new_guid(rng) for _ in range(size.resellers)]
    customers = build_customers(size.customers, rng, resellers)
    subscriptions = build_subscriptions(size.subscriptions, variants, customers, rng)

    catalogue = CatalogueBuilder(rng, picklist)
    truth_records: list[tuple[Variant, dict[str, Any] | None]] = []
    for variant, pin in picked:
        has_service = variant.supported
        if pin is not None:
            has_service = has_service and pin.has_service
        elif has_service and variant.offer.offer_type != "AzurePlan":
            has_service = rng.random() >= size.no_service_share
        truth_records.append(
            (variant, catalogue.add_for_variant(variant, pin) if has_service else None)
        )
    for variant in _unacquired(offers, set(variants), size.unacquired_services, rng):
        catalogue.add_for_variant(variant)
    room = size.services - len(catalogue.records)
    catalogue.add_decoys(variants, max(size.decoys, room))
    services = catalogue.finish()
    services.sort(key=lambda s: int(s["id"]))

    ground_truth = [
        {
            "offer_id": v.offer.offer_id,
            "provider_offer_id": v.offer.provider_offer_id,
            "offer_name": v.offer.name,
            "offer_type": v.offer.offer_type,
            "segment": v.segment,
            "term": v.term,
            "billing_frequency": v.billing,
            "service_id": None if record is None else record["id"],
        }
        for v, record in truth_records
    ]
    companies = _companies(customers, rng)
    for customer in customers:
        del customer["_segment"]
    return Tenant(
        scale=scale,
        seed=seed,
        offers=offers,
        cc_customers=customers,
        cc_subscriptions=subscriptions,
        cc_offers=build_cc_offers(offers, variants),
        cc_resellers=resellers,
        autotask_services=services,
        autotask_companies=companies,
        ground_truth=ground_truth,
        period_types=picklist,
    )
