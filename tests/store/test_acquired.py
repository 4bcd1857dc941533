"""Acquired offer variants, derived in SQL from hand-made subscriptions of every kind."""

from __future__ import annotations

from pathlib import Path

from offermap.store import open_store
from offermap.store.acquired import acquired_offers
from tests.factories import service, subscription
from tests.store_helpers import publish_snapshot


def _by_key(db: Path) -> dict[tuple[str, str, str, str], dict]:
    with open_store(db, read_only=True) as con:
        rows = acquired_offers(con, "c1")
    return {(r["offer_id"], r["segment"], r["term"], r["billing_frequency"]): r for r in rows}


def test_variants_are_counted_per_segment_term_and_billing(tmp_path: Path) -> None:
    db = tmp_path / "db.duckdb"
    subs = [
        subscription(
            "bp",
            "Business Premium",
            term="OneYear",
            billing_frequency="Monthly",
            customer_id="a",
            quantity=3,
        ),
        subscription(
            "bp",
            "Business Premium",
            term="OneYear",
            billing_frequency="Monthly",
            customer_id="a",
            quantity=2,
        ),
        subscription(
            "bp",
            "Business Premium",
            term="OneYear",
            billing_frequency="Monthly",
            customer_id="b",
            quantity=10,
        ),
        subscription(
            "bp", "Business Premium", term="OneYear", billing_frequency="Annual", customer_id="c"
        ),
        subscription(
            "bp", "Business Premium", term="OneMonth", billing_frequency="Monthly", customer_id="c"
        ),
        subscription("bp", "Business Premium", segment="NonProfit", customer_id="d"),
        subscription("bp", "Business Premium", segment="Education", customer_id="d"),
        subscription("bp", "Business Premium", segment="Government", customer_id="d"),
    ]
    publish_snapshot(db, "c1", "run-1", [service(1, "x")], subs)
    variants = _by_key(db)
    assert len(variants) == 6
    main = variants[("bp", "Commercial", "OneYear", "Monthly")]
    assert (main["customers"], main["subscriptions"], main["seats"]) == (2, 3, 15)
    assert main["mapping_status"] == "unmapped"


def test_only_active_and_suspended_subscriptions_make_an_offer_acquired(tmp_path: Path) -> None:
    db = tmp_path / "db.duckdb"
    subs = [
        subscription("active", "A", status="Active"),
        subscription("suspended", "S", status="Suspended"),
        subscription("expired", "E", status="Expired"),
        subscription("disabled", "D", status="Disabled"),
        subscription("deleted", "X", status="Deleted"),
    ]
    publish_snapshot(db, "c1", "run-1", [service(1, "x")], subs)
    assert {key[0] for key in _by_key(db)} == {"active", "suspended"}


def test_support_status_follows_r5_r7_and_r8(tmp_path: Path) -> None:
    db = tmp_path / "db.duckdb"
    subs = [
        subscription(
            "plan", "Azure plan", offer_type="AzurePlan", term="NoTerm", billing_frequency="Monthly"
        ),
        subscription(
            "ri",
            "Reserved VM",
            offer_type="AzureReservation",
            term="ThreeYears",
            billing_frequency="OneTime",
        ),
        subscription("legacy", "Office 365 E3 legacy", offer_type="LicenseLegacy", term="OneMonth"),
        subscription("d365", "Dynamics 3Y", term="ThreeYears", billing_frequency="Triennial"),
        subscription(
            "once",
            "One-time thing",
            offer_type="PerpetualSoftware",
            term="NoTerm",
            billing_frequency="OneTime",
        ),
        subscription("annual", "E3 annual", term="OneYear", billing_frequency="Annual"),
        subscription("five", "Five-year plan", term="FiveYears", billing_frequency="Annual"),
        subscription(
            "none",
            "Usage thing",
            offer_type="SoftwareSubscription",
            term="NoTerm",
            billing_frequency="None",
        ),
    ]
    publish_snapshot(db, "c1", "run-1", [service(1, "x")], subs)
    status = {key[0]: (r["mapping_status"], r["support_rule"]) for key, r in _by_key(db).items()}
    assert status == {
        "plan": ("unmapped", None),
        "ri": ("not_required", "R7"),
        "legacy": ("unsupported", "R8"),
        "d365": ("unsupported", "R5"),
        "once": ("unsupported", "R5"),
        "annual": ("unmapped", None),
        "five": ("unmapped", None),
        "none": ("unsupported", "R5"),
    }
