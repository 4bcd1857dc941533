"""Apply: each rule R1–R9 refuses the decision that breaks it, while valid ones in the batch map."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from expectations.suites import validate_decisions
from offermap.apply import batch as apply_module
from offermap.apply.batch import apply_decisions
from offermap.apply.rule_check import check_decision_facts
from offermap.review.approvals import decide_manually
from offermap.store import open_store
from offermap.store.audit import query_audit
from tests.factories import service, subscription
from tests.store_helpers import publish_snapshot

C = "c1"
BP_MONTHLY = ("bp", "Commercial", "OneYear", "Monthly")
BP_ANNUAL = ("bp", "Commercial", "OneYear", "Annual")
BP_ONE_MONTH = ("bp", "Commercial", "OneMonth", "Monthly")
PLAN = ("plan", "Commercial", "NoTerm", "Monthly")
RESERVATION = ("ri", "Commercial", "OneYear", "Monthly")
LEGACY = ("legacy", "Commercial", "OneMonth", "Monthly")
TRIENNIAL = ("d365", "Commercial", "ThreeYears", "Triennial")
EXPIRED_ONLY = ("gone", "Commercial", "OneYear", "Monthly")
# The tests of apply's batch semantics (claims in order, repeats, unmaps) judge with the fast
# evaluator of the same rules, which gives the GX suite's verdicts on every batch
# (tests/expectations/test_rule_check_property.py); the rule tests right below use the GX
# suite itself, as the apply flow does.
RULES = check_decision_facts


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "offermap.duckdb"
    services = [
        service(1, "M365 BP 1YR paid monthly"),
        service(2, "M365 BP annual paid annually", "Yearly"),
        service(3, "M365 BP month to month"),
        service(4, "Azure plan (usage)", unit_cost=0.0, unit_price=0.0),
        service(5, "Azure plan priced", unit_cost=1.0, unit_price=2.0),
        service(6, "Old BP line", is_active=False),
        service(7, "Reserved instances"),
        service(8, "O365 E3 legacy"),
        service(9, "Dynamics 3 years", "Yearly"),
        service(10, "Spare monthly service"),
        service(11, "Quarterly thing", "Quarterly"),
    ]
    subs = [
        subscription(
            "bp", "Microsoft 365 Business Premium", term="OneYear", billing_frequency="Monthly"
        ),
        subscription(
            "bp", "Microsoft 365 Business Premium", term="OneYear", billing_frequency="Annual"
        ),
        subscription(
            "bp", "Microsoft 365 Business Premium", term="OneMonth", billing_frequency="Monthly"
        ),
        subscription(
            "plan", "Azure plan", offer_type="AzurePlan", term="NoTerm", billing_frequency="Monthly"
        ),
        subscription("ri", "Reserved VM", offer_type="AzureReservation", term="OneYear"),
        subscription("legacy", "Office 365 E3", offer_type="LicenseLegacy", term="OneMonth"),
        subscription("d365", "Dynamics 365", term="ThreeYears", billing_frequency="Triennial"),
        subscription("gone", "Expired thing", status="Expired"),
    ]
    publish_snapshot(path, C, "sync-1", services, subs)
    return path


def _decide(db: Path, variant: tuple[str, str, str, str], service_id: int) -> int:
    return decide_manually(db, C, variant, service_id=service_id, kind="approve", actor="tester")


def _audit_by_decision(db: Path) -> dict[int, dict[str, Any]]:
    with open_store(db, read_only=True) as con:
        return {int(row["decision_id"]): row for row in query_audit(con, connection_id=C)}


def _mappings(db: Path) -> dict[tuple[str, str, str, str], int]:
    with open_store(db, read_only=True) as con:
        rows = con.execute(
            "SELECT offer_id, segment, term, billing_frequency, service_id FROM offer_mappings"
        ).fetchall()
    return {tuple(r[:4]): int(r[4]) for r in rows}  # type: ignore[misc]


@pytest.mark.parametrize(
    ("rule", "variant", "service_id"),
    [
        ("R1", BP_MONTHLY, 999),  # not in the Autotask snapshot
        ("R2", BP_MONTHLY, 6),  # inactive
        ("R5", BP_ANNUAL, 1),  # Annual offer, Monthly service
        ("R5", TRIENNIAL, 9),  # Triennial billing is unsupported
        ("R6", PLAN, 5),  # priced service for an Azure plan
        ("R7", RESERVATION, 7),  # reservations need no mapping
        ("R8", LEGACY, 8),  # legacy licences are unsupported
        ("R9", EXPIRED_ONLY, 10),  # only seen on an expired subscription: not acquired
    ],
)
def test_a_decision_breaking_a_rule_fails_naming_it_while_valid_ones_apply(
    db: Path, rule: str, variant: tuple[str, str, str, str], service_id: int
) -> None:
    good = _decide(db, BP_ONE_MONTH, 3)
    bad = _decide(db, variant, service_id)
    also_good = _decide(db, PLAN if variant != PLAN else BP_MONTHLY, 4 if variant != PLAN else 1)

    result = apply_decisions(db, C, "apply-1", rules_check=validate_decisions)

    audit = _audit_by_decision(db)
    assert audit[bad]["status"] == "Failed"
    assert audit[bad]["details"]["rule"] == rule
    assert rule in audit[bad]["details"]["reason"]
    assert audit[bad]["operation"] == "Create Connection Offer Mapping"
    assert audit[good]["status"] == audit[also_good]["status"] == "Succeeded"
    assert [f["decision_id"] for f in result.failed] == [bad]
    mappings = _mappings(db)
    assert variant not in mappings or mappings[variant] != service_id
    assert mappings[BP_ONE_MONTH] == 3


def test_r3_a_service_already_mapped_to_another_variant_is_refused(db: Path) -> None:
    _decide(db, BP_MONTHLY, 1)
    apply_decisions(db, C, "apply-1", rules_check=RULES)
    second = _decide(db, BP_ONE_MONTH, 1)
    apply_decisions(db, C, "apply-2", rules_check=RULES)
    assert _audit_by_decision(db)[second]["details"]["rule"] == "R3"
    assert _mappings(db) == {BP_MONTHLY: 1}


def test_r3_two_variants_claiming_one_service_in_a_batch_the_first_wins(db: Path) -> None:
    first = _decide(db, BP_MONTHLY, 1)
    second = _decide(db, BP_ONE_MONTH, 1)
    apply_decisions(db, C, "apply-1", rules_check=RULES)
    audit = _audit_by_decision(db)
    assert audit[first]["status"] == "Succeeded"
    assert audit[second]["details"]["rule"] == "R3"


def test_r3_an_invalid_earlier_claim_does_not_block_a_valid_later_one(db: Path) -> None:
    invalid = _decide(db, BP_ANNUAL, 1)  # R5: annual offer on a monthly service
    valid = _decide(db, BP_MONTHLY, 1)
    apply_decisions(db, C, "apply-1", rules_check=RULES)
    audit = _audit_by_decision(db)
    assert audit[invalid]["details"]["rule"] == "R5"
    assert audit[valid]["status"] == "Succeeded"


def test_r4_a_variant_already_mapped_to_another_service_is_refused(db: Path) -> None:
    _decide(db, BP_MONTHLY, 1)
    apply_decisions(db, C, "apply-1", rules_check=RULES)
    again = _decide(db, BP_MONTHLY, 10)
    apply_decisions(db, C, "apply-2", rules_check=RULES)
    assert _audit_by_decision(db)[again]["details"]["rule"] == "R4"
    assert _mappings(db)[BP_MONTHLY] == 1


def test_r4_two_services_for_one_variant_in_a_batch_the_first_wins(db: Path) -> None:
    first = _decide(db, BP_MONTHLY, 1)
    second = _decide(db, BP_MONTHLY, 10)
    apply_decisions(db, C, "apply-1", rules_check=RULES)
    audit = _audit_by_decision(db)
    assert audit[first]["status"] == "Succeeded"
    assert audit[second]["details"]["rule"] == "R4"


def test_a_decision_repeating_an_existing_mapping_succeeds_without_change(db: Path) -> None:
    _decide(db, BP_MONTHLY, 1)
    apply_decisions(db, C, "apply-1", rules_check=RULES)
    repeat = _decide(db, BP_MONTHLY, 1)
    result = apply_decisions(db, C, "apply-2", rules_check=RULES)
    assert [d["decision_id"] for d in result.unchanged] == [repeat]
    assert _audit_by_decision(db)[repeat]["status"] == "Succeeded"
    assert _mappings(db) == {BP_MONTHLY: 1}


def test_apply_twice_changes_nothing_the_second_time(db: Path) -> None:
    _decide(db, BP_MONTHLY, 1)
    _decide(db, BP_ANNUAL, 1)
    first = apply_decisions(db, C, "apply-1", rules_check=RULES)
    mappings, audit = _mappings(db), _audit_by_decision(db)
    second = apply_decisions(db, C, "apply-2", rules_check=RULES)
    assert first.decisions == 2 and second.decisions == 0
    assert _mappings(db) == mappings
    assert _audit_by_decision(db) == audit


def test_an_interrupted_apply_leaves_no_partial_mapping_and_a_rerun_converges(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _decide(db, BP_MONTHLY, 1)
    _decide(db, BP_ONE_MONTH, 3)
    _decide(db, PLAN, 4)
    real_append = apply_module.append_audit
    calls = {"n": 0}

    def crash_on_third(con: Any, entry: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt("power cut")
        real_append(con, entry)

    monkeypatch.setattr(apply_module, "append_audit", crash_on_third)
    with pytest.raises(KeyboardInterrupt):
        apply_decisions(db, C, "apply-1", rules_check=RULES)
    assert _mappings(db) == {}
    assert _audit_by_decision(db) == {}

    monkeypatch.setattr(apply_module, "append_audit", real_append)
    result = apply_decisions(db, C, "apply-2", rules_check=RULES)
    assert len(result.applied) == 3
    assert _mappings(db) == {BP_MONTHLY: 1, BP_ONE_MONTH: 3, PLAN: 4}


def test_unmap_removes_the_mapping_with_a_delete_audit_row(db: Path) -> None:
    _decide(db, BP_MONTHLY, 1)
    apply_decisions(db, C, "apply-1", rules_check=RULES)
    unmap = decide_manually(db, C, BP_MONTHLY, service_id=None, kind="unmap", actor="tester")
    result = apply_decisions(db, C, "apply-2", rules_check=RULES)
    assert [d["decision_id"] for d in result.unmapped] == [unmap]
    row = _audit_by_decision(db)[unmap]
    assert (row["operation"], row["status"]) == ("Delete Connection Offer Mapping", "Succeeded")
    assert _mappings(db) == {}


def test_decisions_of_one_connection_never_map_anything_in_another(db: Path) -> None:
    decide_manually(db, "other", BP_MONTHLY, service_id=1, kind="approve", actor="tester")
    result = apply_decisions(db, "other", "apply-1", rules_check=RULES)
    assert result.failed and result.failed[0]["rule"] in {"R1", "R9"}
    assert _mappings(db) == {}


def test_a_second_unmap_of_the_same_variant_in_one_batch_is_refused(db: Path) -> None:
    _decide(db, BP_MONTHLY, 1)
    apply_decisions(db, C, "apply-1", rules_check=RULES)
    first = decide_manually(db, C, BP_MONTHLY, service_id=None, kind="unmap", actor="tester")
    second = decide_manually(db, C, BP_MONTHLY, service_id=None, kind="unmap", actor="tester")
    result = apply_decisions(db, C, "apply-2", rules_check=RULES)
    assert [d["decision_id"] for d in result.unmapped] == [first]
    audit = _audit_by_decision(db)
    assert audit[second]["status"] == "Failed"
    assert audit[second]["details"]["reason"] == (
        "BP:0001/Commercial/OneYear/Monthly is not mapped: there is nothing to unmap"
    )


def test_an_unmap_after_an_approval_in_the_same_batch_removes_that_mapping(db: Path) -> None:
    _decide(db, BP_MONTHLY, 1)
    unmap = decide_manually(db, C, BP_MONTHLY, service_id=None, kind="unmap", actor="tester")
    result = apply_decisions(db, C, "apply-1", rules_check=RULES)
    assert [d["decision_id"] for d in result.unmapped] == [unmap]
    assert _mappings(db) == {}
