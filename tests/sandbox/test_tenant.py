"""The tenant generator: determinism, sizes, and every case the small tenant must demonstrate."""

from __future__ import annotations

import re
import uuid
from collections import Counter

import pytest

from offermap.sandbox import build_tenant
from offermap.sandbox.offers import OFFER_NAMESPACE

ALLOWED = {
    "OneMonth": {"Monthly"},
    "OneYear": {"Monthly", "Annual"},
    "ThreeYears": {"Monthly", "Annual", "Triennial"},
}


@pytest.fixture(scope="module")
def small():
    return build_tenant("small", seed=7)


def test_same_seed_gives_identical_data(small):
    again = build_tenant("small", seed=7)
    assert again.cc_customers == small.cc_customers
    assert again.cc_subscriptions == small.cc_subscriptions
    assert again.autotask_services == small.autotask_services
    assert again.ground_truth == small.ground_truth


def test_different_seed_gives_different_data(small):
    other = build_tenant("small", seed=8)
    assert other.cc_subscriptions != small.cc_subscriptions
    assert [s["name"] for s in other.autotask_services] != [
        s["name"] for s in small.autotask_services
    ]


def test_unknown_scale_is_rejected_by_name():
    with pytest.raises(ValueError, match="huge"):
        build_tenant("huge")


def test_small_sizes(small):
    assert 20 <= len(small.cc_customers) <= 30
    assert 130 <= len(small.cc_subscriptions) <= 170
    assert 60 <= len(small.autotask_services) <= 90
    resold = sum(c["resellerId"] is not None for c in small.cc_customers)
    assert 0 < resold < len(small.cc_customers) / 2


def test_offer_ids_are_stable_guids_from_provider_offer_id(small):
    for sub in small.cc_subscriptions:
        assert sub["offerId"] == str(uuid.uuid5(OFFER_NAMESPACE, sub["providerOfferId"]))


def test_segments_terms_and_billing_are_consistent(small):
    segments = Counter(s["segment"]["name"] for s in small.cc_subscriptions)
    assert {"Commercial", "Education", "NonProfit", "Government"} <= set(segments)
    for sub in small.cc_subscriptions:
        term, billing = sub["termDuration"]["name"], sub["billingFrequency"]["name"]
        if sub["offerType"]["name"] == "License":
            assert billing in ALLOWED[term], sub["providerOfferId"]
    terms = {s["termDuration"]["name"] for s in small.cc_subscriptions}
    assert {"OneMonth", "OneYear", "ThreeYears"} <= terms


def test_statuses_are_mostly_active_with_every_other_state(small):
    statuses = Counter(s["subscriptionStatus"]["name"] for s in small.cc_subscriptions)
    assert set(statuses) == {"Active", "Suspended", "Expired", "Deleted"}
    assert statuses["Active"] > len(small.cc_subscriptions) / 2


def test_special_offers_are_present(small):
    by_type: dict[str, set[tuple[str, str]]] = {}
    for s in small.cc_subscriptions:
        by_type.setdefault(s["offerType"]["name"], set()).add(
            (s["termDuration"]["name"], s["billingFrequency"]["name"])
        )
    assert by_type["AzurePlan"] <= {("NoTerm", "Monthly"), ("OneMonth", "Monthly")}
    assert {t for t, _ in by_type["AzureReservation"]} == {"OneYear", "ThreeYears"}
    legacy = {
        s["providerOfferId"]
        for s in small.cc_subscriptions
        if s["offerType"]["name"] == "LicenseLegacy"
    }
    assert legacy == {"LEGACY-O365E3-0001"}
    assert ("ThreeYears", "Triennial") in by_type["License"]
    azure = next(s for s in small.cc_subscriptions if s["offerType"]["name"] == "AzurePlan")
    assert azure["billingType"] == {"name": "Usage"}


def test_ground_truth_covers_every_acquired_variant_once(small):
    acquired = {
        (
            s["offerId"],
            s["segment"]["name"],
            s["termDuration"]["name"],
            s["billingFrequency"]["name"],
        )
        for s in small.cc_subscriptions
    }
    keys = [
        (g["offer_id"], g["segment"], g["term"], g["billing_frequency"]) for g in small.ground_truth
    ]
    assert len(keys) == len(set(keys))
    assert set(keys) == acquired
    assert 40 <= len(keys) <= 50


def test_ground_truth_services_obey_the_rules(small):
    services = {s["id"]: s for s in small.autotask_services}
    period = small.period_types
    mapped = [g for g in small.ground_truth if g["service_id"] is not None]
    assert len({g["service_id"] for g in mapped}) == len(mapped)  # one service, one variant
    for g in mapped:
        service = services[g["service_id"]]
        assert service["isActive"]
        want = period["Yearly"] if g["billing_frequency"] == "Annual" else period["Monthly"]
        assert service["periodType"] == want
        assert g["offer_type"] not in ("LicenseLegacy", "AzureReservation")
        if g["offer_type"] == "AzurePlan":
            assert service["unitPrice"] == 0 and service["unitCost"] == 0
    unsupported = [
        g
        for g in small.ground_truth
        if g["offer_type"] in ("LicenseLegacy", "AzureReservation")
        or g["billing_frequency"] not in ("Monthly", "Annual")
    ]
    assert unsupported and all(g["service_id"] is None for g in unsupported)
    supported_without = [
        g for g in small.ground_truth if g not in unsupported and g["service_id"] is None
    ]
    assert supported_without, "some acquired variants must have no right service"
    assert len(mapped) > len(small.ground_truth) * 0.6


def test_catalogue_uses_msp_naming_styles(small):
    names = [s["name"] for s in small.autotask_services]
    for expected in (
        "M365 Bus Std NCE 12M (paid monthly)",
        "(NCE) Microsoft 365 Business Premium - Month to Month",
        "Microsoft 365 E3 - Annual Commit (Billed Monthly) [CFQ7TTC0LFLX]",
        "Microsoft 365 Business Basic (Anual)",
        "Azure AD Premium P1 - Annual (Billed Monthly)",
    ):
        assert expected in names
    assert any(re.search(r"1YR COMMIT", n) for n in names)
    assert any(
        len(n) == 50 and n.startswith("Microsoft 365 Business Standard (no Teams)") for n in names
    )


def test_catalogue_contains_decoys(small):
    services = small.autotask_services
    by_name = {s["name"]: s for s in services}
    period = small.period_types
    assert any(not s["isActive"] for s in services)
    assert any(s["periodType"] == period["Quarterly"] for s in services)
    azure_free = by_name["Azure Consumption (billed in arrears)"]
    azure_priced = by_name["Azure Plan - Managed (with 10% uplift)"]
    assert (azure_free["unitPrice"], azure_free["unitCost"]) == (0, 0)
    assert azure_priced["unitPrice"] > 0 and azure_priced["isActive"]
    for name in (
        "Datto SaaS Protection for M365 - per user",
        "SentinelOne Control - per endpoint",
        "Remote Support - Hourly",
        "Onsite Labour",
    ):
        assert name in by_name
    truth_ids = {g["service_id"] for g in small.ground_truth}
    # Wrong-period decoys: active Microsoft services that are no variant's right answer.
    assert sum(1 for s in services if s["id"] not in truth_ids and s["isActive"]) >= 15


def test_services_are_in_autotask_wire_shape(small):
    service = small.autotask_services[0]
    assert isinstance(service["id"], int)
    assert service["createDate"].endswith("Z")
    assert all(k[0].islower() and "_" not in k for k in service)
    ids = [s["id"] for s in small.autotask_services]
    assert ids == sorted(ids)


def test_large_scale_has_the_documented_sizes():
    large = build_tenant("large", seed=1)
    assert len(large.cc_customers) == 2000
    assert len(large.cc_subscriptions) == 50000
    assert len(large.ground_truth) == 1500
    assert len(large.autotask_services) == 5000
    keys = {
        (g["offer_id"], g["segment"], g["term"], g["billing_frequency"]) for g in large.ground_truth
    }
    assert len(keys) == 1500
