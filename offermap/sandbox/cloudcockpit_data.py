"""CloudCockpit-side sandbox data in wire shape: customers, subscriptions and offers."""

from __future__ import annotations

import math
import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from offermap.sandbox.offers import Offer
from offermap.sandbox.service_catalog import REFERENCE_TIME, Variant, monthly_price

SEGMENTS = ("Commercial", "Education", "NonProfit", "Government")
STATUS_WEIGHTS = {"Active": 80, "Suspended": 8, "Expired": 7, "Deleted": 5}
PROVIDER_INSTANCE_ID = "5d8c1f3a-0e2b-4c6d-9f7a-1b2c3d4e5f60"

_ADJECTIVES = (
    "Northwind",
    "Contoso",
    "Fabrikam",
    "Tailspin",
    "Woodgrove",
    "Litware",
    "Adatum",
    "Proseware",
    "Alpine",
    "Blue Yonder",
    "Coho",
    "Fourth Coffee",
    "Lucerne",
    "Margie's",
    "Trey",
    "Wingtip",
    "Wide World",
    "Humongous",
    "Relecloud",
    "Southridge",
    "Graphic",
    "Lamna",
    "Datum",
    "Bellows",
)
_NOUNS = (
    "Traders",
    "Logistics",
    "Dental",
    "Architects",
    "Accounting",
    "Legal",
    "Engineering",
    "Foods",
    "Health",
    "Builders",
    "Consulting",
    "Motors",
    "Studios",
    "Insurance",
    "Partners",
    "Systems",
)
_SUFFIXES = ("Ltd", "BV", "GmbH", "Inc", "LLC", "SAS", "Pty Ltd", "AB")
_EDU_NAMES = ("College", "Academy", "School District", "University")
_NPO_NAMES = ("Foundation", "Trust", "Charity", "Relief")
_CITIES = (("Amsterdam", "NL"), ("Berlin", "DE"), ("Leeds", "GB"), ("Lyon", "FR"), ("Austin", "US"))


def new_guid(rng: random.Random) -> str:
    """A random-looking but seed-determined GUID."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def iso_z(moment: datetime) -> str:
    """UTC ISO-8601 text with a `Z` suffix."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def money(value: float) -> dict[str, Any]:
    """CloudCockpit's money object (EUR)."""
    return {"value": round(value, 2), "currency": {"name": "EUR"}}


def build_customers(count: int, rng: random.Random, resellers: list[str]) -> list[dict[str, Any]]:
    """Customers in wire shape; each carries a private `_segment` key the caller must strip."""
    counts = {
        "Government": 1,
        "Education": max(1, round(count * 0.12)),
        "NonProfit": max(1, round(count * 0.12)),
    }
    counts["Commercial"] = count - sum(counts.values())
    customers: list[dict[str, Any]] = []
    used: set[str] = set()
    for segment in SEGMENTS:
        for _ in range(counts[segment]):
            first = rng.choice(_ADJECTIVES)
            if segment == "Education":
                tail = rng.choice(_EDU_NAMES)
            elif segment == "NonProfit":
                tail = rng.choice(_NPO_NAMES)
            elif segment == "Government":
                tail = "Municipality"
            else:
                tail = f"{rng.choice(_NOUNS)} {rng.choice(_SUFFIXES)}"
            name = f"{first} {tail}"
            n = 2
            while name in used:
                name = f"{first} {tail} {n}"
                n += 1
            used.add(name)
            city, country = rng.choice(_CITIES)
            slug = "".join(ch for ch in name.lower() if ch.isalnum())[:24]
            reseller = rng.choice(resellers) if resellers and rng.random() < 0.2 else None
            customers.append(
                {
                    "id": new_guid(rng),
                    "companyName": name,
                    "domain": f"{slug}.onmicrosoft.com",
                    "taxId": f"{country}{rng.randrange(10**8, 10**9)}",
                    "country": country,
                    "addressLine1": f"{rng.randrange(1, 300)} Main Street",
                    "addressLine2": None,
                    "city": city,
                    "state": None,
                    "zip": f"{rng.randrange(1000, 99999)}",
                    "firstName": rng.choice(("Ana", "Ben", "Chloe", "Dev", "Eva", "Finn")),
                    "middleName": None,
                    "lastName": rng.choice(("Jansen", "Smith", "Martin", "Okafor", "Novak")),
                    "email": f"it@{slug}.example",
                    "phone": f"+31 20 {rng.randrange(1000000, 9999999)}",
                    "internalIdentifier": f"CUST-{len(customers) + 1:05d}",
                    "resellerId": reseller,
                    "providerCustomers": [
                        {
                            "providerInstanceId": PROVIDER_INSTANCE_ID,
                            "providerCustomerId": new_guid(rng),
                        }
                    ],
                    "partners": [],
                    # Kept for the generator; stripped before serving.
                    "_segment": segment,
                }
            )
    return customers


def subscription(
    rng: random.Random, variant: Variant, customer: dict[str, Any], status: str
) -> dict[str, Any]:
    """One subscription of `customer` to the variant, in wire shape, with dates fitting `status`."""
    offer = variant.offer
    term_days = round(30.4 * variant.months)
    if status in ("Active", "Suspended"):
        # Running subscriptions are inside their current term (monthly ones renew).
        days_back = (
            rng.randrange(1, term_days) if variant.term != "NoTerm" else rng.randrange(1, 900)
        )
    else:
        days_back = term_days + rng.randrange(1, 400)
    start = (REFERENCE_TIME - timedelta(days=days_back)).replace(hour=0, minute=0, second=0)
    end = start + timedelta(days=term_days)
    quantity = 1 if offer.offer_type in ("AzurePlan", "AzureReservation") else rng.randrange(1, 120)
    unit = monthly_price(offer) * variant.months * (0.9 if variant.term != "OneMonth" else 1.0)
    list_price = unit * quantity
    return {
        "id": new_guid(rng),
        "orderId": new_guid(rng),
        "offerId": offer.offer_id,
        "customerId": customer["id"],
        "providerInstanceId": PROVIDER_INSTANCE_ID,
        "resellerId": customer["resellerId"],
        "subscriptionName": offer.name
        if rng.random() < 0.7
        else f"{offer.name} - {customer['companyName']}",
        "offerName": offer.name,
        "offerType": {"name": offer.offer_type},
        "isAddonOffer": "add-on" in offer.name.lower(),
        "isTrialOffer": False,
        "providerOfferId": offer.provider_offer_id,
        "subscriptionStatus": {"name": status},
        "startDate": iso_z(start),
        "endDate": None if variant.term == "NoTerm" else iso_z(end),
        "cancellationAllowedUntil": iso_z(start + timedelta(days=7)),
        "quantity": quantity,
        "assignedLicenses": rng.randrange(0, quantity + 1),
        "listPrice": money(list_price),
        "revenuePrice": money(list_price * 1.15),
        "erpPrice": money(list_price * 1.2),
        "customMargin": {"rule": {"name": "Markup"}, "value": 15},
        "billingFrequency": {"name": variant.billing},
        "billingType": {"name": offer.billing_type},
        "termDuration": {"name": variant.term},
        "segment": {"name": variant.segment},
    }


def build_subscriptions(
    total: int, variants: list[Variant], customers: list[dict[str, Any]], rng: random.Random
) -> list[dict[str, Any]]:
    """`total` subscriptions: one active per variant first, the rest weighted to popular offers."""
    by_segment: dict[str, list[dict[str, Any]]] = {s: [] for s in SEGMENTS}
    for customer in customers:
        by_segment[customer["_segment"]].append(customer)
    subs: list[dict[str, Any]] = []
    # Every acquired variant has at least one active subscription.
    for variant in variants:
        subs.append(subscription(rng, variant, rng.choice(by_segment[variant.segment]), "Active"))
    statuses = list(STATUS_WEIGHTS)
    weights = list(STATUS_WEIGHTS.values())
    # A few popular offers carry most of the seats, as in a real book.
    popularity = [1.0 / math.sqrt(i + 1) for i in range(len(variants))]
    extra = max(0, total - len(subs))
    picks = rng.choices(variants, weights=popularity, k=extra)
    for i, variant in enumerate(picks):
        status = (
            statuses[i % len(statuses)] if i < len(statuses) else rng.choices(statuses, weights)[0]
        )
        subs.append(subscription(rng, variant, rng.choice(by_segment[variant.segment]), status))
    rng.shuffle(subs)
    return subs


def build_cc_offers(offers: list[Offer], variants: list[Variant]) -> list[dict[str, Any]]:
    """Offers as `GET v1/Offers` returns them, with price rows per segment and term."""
    segments_sold: dict[str, set[str]] = {}
    for v in variants:
        segments_sold.setdefault(v.offer.offer_id, set()).add(v.segment)
    out: list[dict[str, Any]] = []
    for offer in offers:
        segments = sorted({offer.segment} | segments_sold.get(offer.offer_id, set()))
        prices = []
        for segment in segments:
            by_term: dict[str, list[str]] = {}
            for term, billing in offer.terms:
                by_term.setdefault(term, []).append(billing)
            for term, billings in by_term.items():
                months = Variant(offer, segment, term, billings[0]).months
                cost = monthly_price(offer) * months
                prices.append(
                    {
                        "termDuration": {"name": term},
                        "segment": {"name": segment},
                        "region": {"value": "EU"},
                        "billingFrequencies": [{"name": b} for b in billings],
                        "costPrice": money(cost),
                        "revenuePrice": money(cost * 1.15),
                        "erpPrice": money(cost * 1.2),
                    }
                )
        out.append(
            {
                "id": offer.offer_id,
                "name": offer.name,
                "description": f"{offer.name} ({offer.provider_offer_id})",
                "imageUrl": None,
                "providerOfferId": offer.provider_offer_id,
                "providerInstanceId": PROVIDER_INSTANCE_ID,
                "offerType": {"name": offer.offer_type},
                "billingType": {"name": offer.billing_type},
                "prices": prices,
            }
        )
    return out
