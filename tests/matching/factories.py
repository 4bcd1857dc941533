"""Small builders of variants and services for the matcher's tests."""

from __future__ import annotations

import csv
from importlib import resources

from offermap.catalogue import load_offers
from offermap.matching import ServiceRecord, Variant

# The labelled dev catalogue ships with the benchmark; the tests read that one copy.
DEV_SERVICES = resources.files("offermap.bench").joinpath("data/dev_services.csv")


def variant(
    name: str,
    provider_offer_id: str = "CFQ7TTC0TEST:0001",
    *,
    term: str = "OneYear",
    billing: str = "Monthly",
    segment: str = "Commercial",
    offer_type: str = "License",
    offer_id: str | None = None,
) -> Variant:
    """A variant; the offer id defaults to the provider offer id."""
    return Variant(
        offer_id=offer_id or provider_offer_id,
        provider_offer_id=provider_offer_id,
        offer_name=name,
        offer_type=offer_type,
        segment=segment,
        term=term,
        billing_frequency=billing,
    )


def service(
    service_id: int,
    name: str,
    period: str | None = "Monthly",
    *,
    cost: float | None = 10.0,
    price: float | None = 12.0,
    active: bool = True,
    **ids: str,
) -> ServiceRecord:
    """A service; keyword arguments fill the id-bearing fields (sku=..., description=...)."""
    return ServiceRecord(
        service_id=service_id,
        name=name,
        period_type_label=period,
        unit_cost=cost,
        unit_price=price,
        is_active=active,
        **ids,
    )


def nce_variants() -> list[Variant]:
    """Every term pair of the shipped NCE catalogue as a variant (offer id = provider id)."""
    return [
        variant(
            offer.name,
            offer.provider_offer_id,
            term=term,
            billing=billing,
            segment=offer.segment,
            offer_type=offer.offer_type,
        )
        for offer in load_offers()
        for term, billing in offer.terms
    ]


def dev_services() -> tuple[list[ServiceRecord], dict[tuple[str, str, str, str], int]]:
    """The labelled dev catalogue: services, and variant key -> the labelled service id."""
    services: list[ServiceRecord] = []
    labels: dict[tuple[str, str, str, str], int] = {}
    with DEV_SERVICES.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):

            def number(column: str, row: dict[str, str] = row) -> float | None:
                return float(row[column]) if row[column] else None

            services.append(
                ServiceRecord(
                    service_id=int(row["service_id"]),
                    name=row["name"],
                    period_type_label=row["period_type"] or None,
                    unit_cost=number("unit_cost"),
                    unit_price=number("unit_price"),
                    is_active=row["is_active"] == "true",
                    sku=row["sku"] or None,
                    description=row["description"] or None,
                )
            )
            if row["label_provider_offer_id"]:
                key = (
                    row["label_provider_offer_id"],
                    row["label_segment"],
                    row["label_term"],
                    row["label_billing_frequency"],
                )
                assert key not in labels, f"two services are labelled for {key}"
                labels[key] = int(row["service_id"])
    return services, labels
