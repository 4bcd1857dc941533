"""A connection with one acquired variant in each coverage state, proposed by the real matcher."""

from __future__ import annotations

from pathlib import Path

from offermap.apply.batch import apply_decisions
from offermap.apply.rule_check import check_decision_facts
from offermap.propose.proposer import propose
from offermap.review import approvals as review
from tests.factories import service, subscription
from tests.store_helpers import publish_snapshot

CONNECTION = "coverage"


def reviewed_db(tmp_path: Path) -> Path:
    """Publish, map Business Premium by hand, propose for the rest.

    Business Standard gets proposals (pending), Teams Essentials none (abstained), the Azure
    reservation is not required (R7), the legacy and the triennial offers unsupported (R8, R5).
    """
    db = tmp_path / "coverage.duckdb"
    services = [
        service(
            201,
            "Microsoft 365 Business Standard - annual, billed monthly",
            sku="CFQ7TTC0LDPB:0001",
        ),
        service(202, "Microsoft 365 Business Premium NFP - monthly", sku="M365BP:0001"),
        service(203, "Microsoft 365 Business Standard (no Teams) - annual, billed monthly"),
        service(204, "Microsoft 365 Business Standard - annual", period="Yearly"),
        service(205, "Microsoft 365 Business Standard - retired", is_active=False),
    ]
    subscriptions = [
        subscription(
            "m365bs", "Microsoft 365 Business Standard", provider_offer_id="CFQ7TTC0LDPB:0001"
        ),
        subscription("m365bp", "Microsoft 365 Business Premium", segment="NonProfit"),
        subscription("teamsess", "Microsoft Teams Essentials", term="OneMonth"),
        subscription(
            "azres",
            "Azure Reserved VM Instance",
            offer_type="AzureReservation",
            billing_frequency="Annual",
        ),
        subscription("o365leg", "Office 365 E3 (Legacy)", offer_type="LicenseLegacy"),
        subscription(
            "d365tri",
            "Dynamics 365 Business Central Essentials",
            term="ThreeYears",
            billing_frequency="Triennial",
            segment="Education",
        ),
    ]
    publish_snapshot(db, CONNECTION, "sync-1", services, subscriptions)
    review.decide_manually(
        db,
        CONNECTION,
        ("m365bp", "NonProfit", "OneYear", "Monthly"),
        service_id=202,
        kind="approve",
        actor="admin",
    )
    assert (
        len(apply_decisions(db, CONNECTION, "apply-1", rules_check=check_decision_facts).applied)
        == 1
    )
    propose(db, CONNECTION, "sync-1")
    return db
