"""propose() feeds the connection's stored mappings to the matcher, which learns from them."""

from __future__ import annotations

import json
from pathlib import Path

from offermap.apply.batch import apply_decisions
from offermap.apply.rule_check import check_decision_facts
from offermap.propose.proposer import propose
from offermap.review import approvals as review
from offermap.store import open_store
from offermap.store.proposals import open_proposals
from tests.factories import service, subscription
from tests.store_helpers import publish_snapshot

C = "learning"
BASIC_MONTH = ("g-basic", "Commercial", "OneMonth", "Monthly")
STANDARD_MONTH = ("g-std", "Commercial", "OneMonth", "Monthly")
BASIC_YEAR = ("g-basic", "Commercial", "OneYear", "Monthly")
E3_MONTH = ("g-e3", "Commercial", "OneMonth", "Monthly")


def _publish(db: Path) -> None:
    publish_snapshot(
        db,
        C,
        "sync-1",
        [
            service(1, "ACME M365 Business Basic Flex"),
            service(2, "ACME M365 Business Standard Flex"),
            service(3, "ACME M365 Business Basic 1YR"),
            service(4, "ACME M365 E3 Flex"),
        ],
        [
            subscription("g-basic", "Microsoft 365 Business Basic", term="OneMonth",
                         provider_offer_id="CFQ7TTC0LH18:0001"),
            subscription("g-std", "Microsoft 365 Business Standard", term="OneMonth",
                         provider_offer_id="CFQ7TTC0LDPB:0001"),
            subscription("g-basic", "Microsoft 365 Business Basic", term="OneYear",
                         provider_offer_id="CFQ7TTC0LH18:0001"),
            subscription("g-e3", "Microsoft 365 E3", term="OneMonth",
                         provider_offer_id="CFQ7TTC0LFLX:0001"),
        ],
    )  # fmt: skip


def _e3_first_choice(db: Path) -> dict[str, object] | None:
    with open_store(db) as con:
        rows = open_proposals(con, C)
    for row in rows:
        key = (row["offer_id"], row["segment"], row["term"], row["billing_frequency"])
        if key == E3_MONTH and row["status"] == "proposed" and row["rank"] == 1:
            return row
    return None


def test_stored_mappings_teach_the_house_naming_to_the_next_proposals(tmp_path: Path) -> None:
    db = tmp_path / "learning.duckdb"
    _publish(db)

    propose(db, C, "propose-1")
    # "ACME" and "Flex" name no product: noise that lowers the score, and no term is read.
    before = _e3_first_choice(db)
    before_score = float(str(before["score"])) if before is not None else 0.0

    for variant, service_id in ((BASIC_MONTH, 1), (STANDARD_MONTH, 2), (BASIC_YEAR, 3)):
        review.decide_manually(db, C, variant, service_id=service_id, kind="approve", actor="ana")
    assert apply_decisions(db, C, "apply-1", rules_check=check_decision_facts) is not None

    propose(db, C, "propose-2")
    row = _e3_first_choice(db)
    assert row is not None and row["service_id"] == 4
    assert float(str(row["score"])) > before_score
    reasons = json.loads(str(row["reasons"]))["reasons"]
    assert any("learned from approved mappings" in reason for reason in reasons)
