"""Parsing CloudCockpit records: enum objects, money, dates, aliases and bad records."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest

from offermap.cloudcockpit import CloudCockpitError, Customer, Money, Offer, Subscription
from offermap.cloudcockpit.models import parse_records

from .support import API_URL, subscription


def test_reads_a_full_subscription_list_item():
    record = Subscription.model_validate(subscription(3))

    assert record.id == "00000000-0000-4000-8000-000000000003"
    assert record.customer_id == "c0000000-0000-4000-8000-000000000003"
    assert record.reseller_id is None
    assert record.offer_id == "2b5c1a37-5a3b-4b8e-9b7e-0d1c2f3a4b5c"
    assert record.provider_offer_id == "CFQ7TTC0LCHC:0002"
    assert record.offer_name == "Microsoft 365 Business Premium"
    assert record.subscription_name == "M365 BP seats 3"
    assert record.offer_type == "License"
    assert record.segment == "Commercial"
    assert record.term == "OneYear"
    assert record.billing_frequency == "Monthly"
    assert record.billing_type == "License"
    assert record.status == "Active"
    assert record.quantity == 8
    assert record.start_date == datetime(2024, 5, 4, 9, 42, tzinfo=UTC)
    assert record.is_trial is False
    assert record.is_addon is False
    assert record.list_price == Money(value=Decimal("264.0"), currency="EUR")
    assert record.revenue_price is not None
    assert record.revenue_price.value == Decimal("290.4")


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        ({"name": "Annual"}, "Annual"),
        ("Annual", "Annual"),  # a bare string, defensively
        ({"name": None}, None),
        (None, None),
        ({}, None),
        ({"name": "Quinquennial"}, "Quinquennial"),  # unknown values are kept for the checks
    ],
)
def test_reads_enum_objects_bare_strings_and_nulls(wire, expected):
    record = Subscription.model_validate(subscription(1, billingFrequency=wire))

    assert record.billing_frequency == expected


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        (
            {"value": 42.0, "currency": {"name": "EUR"}},
            Money(value=Decimal("42.0"), currency="EUR"),
        ),
        ({"value": 0.1, "currency": "USD"}, Money(value=Decimal("0.1"), currency="USD")),
        ({"value": 7, "currency": None}, Money(value=Decimal("7"), currency=None)),
        (19.99, Money(value=Decimal("19.99"), currency=None)),
        ({"value": None, "currency": {"name": "EUR"}}, None),
        (None, None),
    ],
)
def test_reads_money_objects_bare_amounts_and_nulls(wire, expected):
    record = Subscription.model_validate(subscription(1, listPrice=wire))

    assert record.list_price == expected


def test_reads_the_single_subscription_view_names():
    wire = {
        "id": "s-1",
        "customerId": "c-1",
        "name": "Friendly name",
        "status": {"name": "Suspended"},
        "termDuration": {"name": "OneMonth"},
        "providerSubscriptionId": "ignored",
    }

    record = Subscription.model_validate(wire)

    assert record.subscription_name == "Friendly name"
    assert record.status == "Suspended"
    assert record.term == "OneMonth"


def test_reads_dates_without_offset_as_utc_and_blank_as_none():
    record = Subscription.model_validate(
        subscription(1, startDate="2024-01-31T00:00:00", endDate="", cancellationAllowedUntil=None)
    )

    assert record.start_date == datetime(2024, 1, 31, tzinfo=UTC)
    assert record.end_date is None
    assert record.cancellation_allowed_until is None


def test_ignores_unknown_fields_and_keeps_snake_case_construction():
    record = Subscription.model_validate(subscription(1, somethingNew={"name": "x"}))

    assert not hasattr(record, "somethingNew")
    assert Subscription(id="s", billing_frequency="Monthly").billing_frequency == "Monthly"


def test_reads_a_customer():
    customer = Customer.model_validate(
        {
            "id": "c-1",
            "companyName": "Contoso Ltd",
            "resellerId": "r-1",
            "country": "PT",
            "internalIdentifier": "ACME-7",
            "providerCustomers": [{"id": "x"}],
        }
    )

    assert (customer.id, customer.company_name, customer.reseller_id) == (
        "c-1",
        "Contoso Ltd",
        "r-1",
    )
    assert customer.internal_identifier == "ACME-7"


def test_reads_an_offer_with_price_rows():
    offer = Offer.model_validate(
        {
            "id": "o-1",
            "name": "Azure plan",
            "providerOfferId": "DZH318Z0BPS6:0001",
            "offerType": {"name": "AzurePlan"},
            "billingType": {"name": "Usage"},
            "isAddon": False,
            "prices": [
                {
                    "termDuration": {"name": "NoTerm"},
                    "segment": {"name": "Commercial"},
                    "region": {"value": "PT"},
                    "billingFrequencies": [{"name": "Monthly"}, "Annual"],
                    "costPrice": {"value": 0.0, "currency": {"name": "EUR"}},
                    "revenuePrice": None,
                }
            ],
        }
    )

    assert offer.offer_type == "AzurePlan"
    assert offer.billing_type == "Usage"
    price = offer.prices[0]
    assert (price.term, price.segment, price.region) == ("NoTerm", "Commercial", "PT")
    assert price.billing_frequencies == ["Monthly", "Annual"]
    assert price.cost_price == Money(value=Decimal("0.0"), currency="EUR")
    assert price.revenue_price is None
    assert Offer.model_validate({"id": "o-2", "prices": None}).prices == []


def test_names_every_bad_record_of_a_page():
    items = [
        subscription(1),
        subscription(2, quantity="many"),
        {"offerName": "no id"},
        subscription(4, startDate="not a date"),
    ]

    with pytest.raises(CloudCockpitError) as caught:
        parse_records(Subscription, items, endpoint="GET v1/subscriptions", page_number=2)

    message = str(caught.value)
    assert "GET v1/subscriptions page 2: 3 subscription record(s) could not be read" in message
    assert f"record {subscription(2)['id']}: quantity" in message
    assert "record #3 (no id): id: Field required" in message
    assert f"record {subscription(4)['id']}: startDate" in message
    assert caught.value.endpoint == "GET v1/subscriptions"


def test_bad_record_from_the_api_names_page_and_record(api, token_endpoint, make_client):
    pages = [
        {"items": [subscription(1), subscription(2)], "totalCount": 3},
        {"items": [subscription(3, quantity={"value": 3})], "totalCount": 3},
    ]
    api.get(f"{API_URL}v1/subscriptions").mock(
        side_effect=[httpx.Response(200, json=page) for page in pages]
    )

    with pytest.raises(CloudCockpitError, match=rf"page 2: .*record {subscription(3)['id']}"):
        list(make_client(page_size=2).iter_subscriptions())
