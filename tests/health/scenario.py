"""A small hand-made connection with five mappings made through decisions and apply."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from offermap.apply.batch import apply_decisions
from offermap.apply.rule_check import check_decision_facts
from offermap.review import approvals as review
from tests.factories import service, subscription
from tests.store_helpers import publish_snapshot

CONNECTION = "health"

# offer id -> (name, offer type, segment, term, billing, service id)
OFFERS: dict[str, tuple[str, str, str, str, str, int]] = {
    "m365bb": ("Microsoft 365 Business Basic", "License", "Commercial", "OneYear", "Monthly", 101),
    "m365e3": ("Microsoft 365 E3", "License", "Commercial", "OneYear", "Annual", 102),
    "azplan": ("Azure plan", "AzurePlan", "Commercial", "NoTerm", "Monthly", 103),
    "exo1": ("Exchange Online (Plan 1)", "License", "Commercial", "OneMonth", "Monthly", 104),
    "pbipro": ("Power BI Pro for faculty", "License", "Education", "OneYear", "Monthly", 105),
}


def base_services() -> list[dict[str, Any]]:
    """The Autotask services the five offers are mapped to, all valid for their offer."""
    return [
        service(101, "Microsoft 365 Business Basic - monthly"),
        service(102, "Microsoft 365 E3 - annual", period="Yearly"),
        service(103, "Azure plan consumption", unit_cost=0.0, unit_price=0.0),
        service(104, "Exchange Online (Plan 1) - month to month"),
        service(105, "Power BI Pro for faculty - annual, billed monthly"),
    ]


def base_subscriptions() -> list[dict[str, Any]]:
    """Two customers' active subscriptions to each offer variant."""
    rows = []
    for offer_id, (name, offer_type, segment, term, billing, _) in OFFERS.items():
        for customer in ("cust-1", "cust-2"):
            rows.append(
                subscription(
                    offer_id,
                    name,
                    offer_type=offer_type,
                    segment=segment,
                    term=term,
                    billing_frequency=billing,
                    customer_id=customer,
                )
            )
    return rows


def variant(offer_id: str) -> tuple[str, str, str, str]:
    """The mapping key of one of the scenario's offers."""
    _, _, segment, term, billing, _ = OFFERS[offer_id]
    return (offer_id, segment, term, billing)


def handle(offer_id: str) -> str:
    """The variant as the command line and health reports write it (provider id first)."""
    return "/".join((f"{offer_id.upper()}:0001", *variant(offer_id)[1:]))


def mapped_db(tmp_path: Path) -> tuple[Path, list[dict[str, Any]], list[dict[str, Any]]]:
    """Publish the snapshots, map every offer to its service through apply.

    Returns:
        The database, and copies of the services and subscriptions published, for a test to
        change and republish.
    """
    db = tmp_path / "health.duckdb"
    services, subscriptions = base_services(), base_subscriptions()
    publish_snapshot(db, CONNECTION, "sync-1", copy.deepcopy(services), subscriptions)
    for offer_id, spec in OFFERS.items():
        review.decide_manually(
            db, CONNECTION, variant(offer_id), service_id=spec[5], kind="approve", actor="admin"
        )
    result = apply_decisions(db, CONNECTION, "apply-1", rules_check=check_decision_facts)
    assert len(result.applied) == len(OFFERS), result
    return db, services, subscriptions


def republish(
    db: Path, services: list[dict[str, Any]], subscriptions: list[dict[str, Any]]
) -> None:
    """A later sync: the changed snapshots replace the published ones."""
    publish_snapshot(db, CONNECTION, "sync-2", services, subscriptions)
