"""Hand-made records for tests: services and subscriptions in staging's shape."""

from __future__ import annotations

import itertools
from typing import Any

_sub_ids = itertools.count(1)


def service(
    service_id: int, name: str, period: str = "Monthly", **overrides: Any
) -> dict[str, Any]:
    """An Autotask service row as the extractor lands it."""
    row: dict[str, Any] = {
        "service_id": service_id,
        "name": name,
        "description": None,
        "invoice_description": None,
        "period_type": {"Monthly": 2, "Quarterly": 3, "Semi-Annual": 4, "Yearly": 5}[period],
        "period_type_label": period,
        "unit_cost": 10.0,
        "unit_price": 12.0,
        "is_active": True,
        "sku": None,
        "catalog_number_part_number": None,
        "manufacturer_service_provider_product_number": None,
        "external_id": None,
        "internal_id": None,
        "vendor_company_id": None,
        "last_modified_date": None,
    }
    row.update(overrides)
    return row


def subscription(
    offer_id: str,
    offer_name: str,
    *,
    offer_type: str = "License",
    segment: str = "Commercial",
    term: str = "OneYear",
    billing_frequency: str = "Monthly",
    status: str = "Active",
    customer_id: str = "cust-1",
    quantity: int = 5,
    provider_offer_id: str | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """A CloudCockpit subscription row as the extractor lands it."""
    row: dict[str, Any] = {
        "subscription_id": f"sub-{next(_sub_ids):05d}",
        "customer_id": customer_id,
        "reseller_id": None,
        "offer_id": offer_id,
        "provider_offer_id": provider_offer_id or f"{offer_id.upper()}:0001",
        "offer_name": offer_name,
        "offer_type": offer_type,
        "segment": segment,
        "term": term,
        "billing_frequency": billing_frequency,
        "status": status,
        "quantity": quantity,
        "start_date": None,
        "end_date": None,
        "is_trial": False,
        "is_addon": False,
    }
    row.update(overrides)
    return row
