"""Review coverage and the review queue the analyst's notebook reads."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from offermap.reports import coverage
from offermap.review import approvals as review
from tests.health.coverage_scenario import CONNECTION, reviewed_db

STANDARD = "CFQ7TTC0LDPB:0001/Commercial/OneYear/Monthly"


@pytest.mark.parametrize(
    ("name", "offer_type", "family"),
    [
        ("Microsoft 365 Business Basic", "License", "Microsoft 365"),
        ("Microsoft 365 Business Basic (no Teams)", "License", "Microsoft 365"),
        ("Office 365 E3", "License", "Office 365"),
        ("Microsoft Defender for Office 365 (Plan 1)", "License", "Security & identity"),
        ("Enterprise Mobility + Security E5", "License", "Security & identity"),
        ("Dynamics 365 Business Central Essentials (3 Year)", "License", "Dynamics 365"),
        ("Power BI Pro for faculty", "License", "Power Platform"),
        ("Dataverse Database Capacity add-on", "License", "Power Platform"),
        ("Azure plan", "AzurePlan", "Azure"),
        ("Virtual Machines DSv2 Series", "AzureReservation", "Azure"),
        ("Microsoft Teams Essentials", "License", "Teams"),
        ("Exchange Online (Plan 1)", "License", "Exchange & OneDrive"),
        ("Windows 10/11 Enterprise E3", "License", "Windows"),
        ("Visio Plan 2", "License", "Project & Visio"),
        ("Contoso Backup", "SoftwareSubscription", "Other"),
        (None, None, "Other"),
    ],
)
def test_product_family_is_read_from_the_offer_name(
    name: str | None, offer_type: str | None, family: str
) -> None:
    assert coverage.product_family(name, offer_type) == family


def test_each_acquired_variant_gets_one_coverage_state(tmp_path: Path) -> None:
    db = reviewed_db(tmp_path)

    variants = coverage.coverage_variants(db, CONNECTION)
    states = dict(zip(variants["offer_name"], variants["coverage"], strict=True))
    assert states == {
        "Microsoft 365 Business Premium": "mapped",
        "Microsoft 365 Business Standard": "pending",
        "Microsoft Teams Essentials": "abstained",
        "Azure Reserved VM Instance": "not_required",
        "Office 365 E3 (Legacy)": "unsupported",
        "Dynamics 365 Business Central Essentials": "unsupported",
    }
    rules_by_name = dict(zip(variants["offer_name"], variants["support_rule"], strict=True))
    assert rules_by_name["Office 365 E3 (Legacy)"] == "R8"
    assert rules_by_name["Dynamics 365 Business Central Essentials"] == "R5"


def test_coverage_tables_count_states_in_order_per_family_and_segment(tmp_path: Path) -> None:
    variants = coverage.coverage_variants(reviewed_db(tmp_path), CONNECTION)

    by_family = coverage.coverage_table(variants, "product_family")
    assert list(by_family.columns) == [*coverage.COVERAGE_STATES, "total"]
    assert by_family.loc["Microsoft 365"].to_dict() == {
        "mapped": 1,
        "pending": 1,
        "abstained": 0,
        "not_required": 0,
        "unsupported": 0,
        "total": 2,
    }
    assert by_family.index[0] == "Microsoft 365"  # the biggest family first
    by_segment = coverage.coverage_table(variants, "segment")
    assert by_segment.loc["Commercial", "total"] == 4
    assert by_segment["total"].sum() == len(variants)


def test_a_coverage_table_of_nothing_still_has_every_state(tmp_path: Path) -> None:
    variants = coverage.coverage_variants(reviewed_db(tmp_path), CONNECTION)

    empty = coverage.coverage_table(variants.iloc[0:0], "segment")
    assert empty.empty and list(empty.columns) == [*coverage.COVERAGE_STATES, "total"]
    with pytest.raises(ValueError, match="cannot group coverage by 'colour'"):
        coverage.coverage_table(variants, "colour")


def test_an_approval_waiting_for_apply_keeps_the_variant_pending(tmp_path: Path) -> None:
    db = reviewed_db(tmp_path)
    first = coverage.first_choices(coverage.review_queue(db, CONNECTION))
    review.approve(db, CONNECTION, [int(first["proposal_id"].iloc[0])], actor="analyst")

    variants = coverage.coverage_variants(db, CONNECTION).set_index("variant")
    assert variants.loc[STANDARD, "coverage"] == "pending"
    assert bool(variants.loc[STANDARD, "awaiting_apply"])
    assert coverage.review_queue(db, CONNECTION).empty  # nothing left to decide on


def test_rejecting_every_proposal_of_a_variant_makes_it_abstained(tmp_path: Path) -> None:
    db = reviewed_db(tmp_path)
    queue = coverage.review_queue(db, CONNECTION)
    proposed = queue[queue["status"] == "proposed"]["proposal_id"].astype(int).tolist()
    review.reject(db, CONNECTION, proposed, actor="analyst")

    variants = coverage.coverage_variants(db, CONNECTION).set_index("variant")
    assert variants.loc[STANDARD, "coverage"] == "abstained"


def test_the_review_queue_spells_out_reasons_rules_and_the_matchers_verdict(
    tmp_path: Path,
) -> None:
    queue = coverage.review_queue(reviewed_db(tmp_path), CONNECTION)

    rows = queue.to_dict("records")
    assert [(r["variant"], r["rank"], r["status"], r["service_id"]) for r in rows] == [
        (STANDARD, 1, "proposed", 201),
        (STANDARD, 2, "not_proposed", 203),
    ]
    first = rows[0]
    assert "CFQ7TTC0LDPB:0001 in sku" in first["reasons"]
    # The inactive (R2), yearly (R5) and already mapped (R3) services were ruled out.
    assert first["removed_by_rule"] == "R2: 1, R3: 1, R5: 1"
    assert first["variant_status"] == "proposed"
    assert first["product_family"] == "Microsoft 365"
    assert first["service_name"] == "Microsoft 365 Business Standard - annual, billed monthly"


def test_first_choices_list_the_other_candidates_as_alternatives(tmp_path: Path) -> None:
    queue = coverage.review_queue(reviewed_db(tmp_path), CONNECTION)

    firsts = coverage.first_choices(queue)
    assert firsts["variant"].tolist() == [STANDARD]
    alternatives = firsts["alternatives"].iloc[0]
    assert "Business Standard (no Teams)" in alternatives and "(203)" in alternatives
    assert "[not_proposed]" in alternatives


def test_when_the_first_choice_is_rejected_the_next_proposed_candidate_leads() -> None:
    queue = pd.DataFrame(
        {
            "proposal_id": [2, 3, 4],
            "variant": ["v", "v", "v"],
            "rank": [2, 3, 4],
            "status": ["proposed", "not_proposed", "not_proposed"],
            "score": [0.8, 0.4, 0.3],
            "service_id": [12, 13, 14],
            "service_name": ["b", "c", "d"],
        }
    )
    firsts = coverage.first_choices(queue)
    assert firsts["proposal_id"].tolist() == [2]
    assert (
        firsts["alternatives"].iloc[0] == "c (13) 0.40 [not_proposed]; d (14) 0.30 [not_proposed]"
    )


def test_the_queue_filters_by_segment_offer_type_family_and_score() -> None:
    queue = pd.DataFrame(
        {
            "segment": ["Commercial", "NonProfit", "Commercial"],
            "offer_type": ["License", "License", "AzurePlan"],
            "product_family": ["Microsoft 365", "Microsoft 365", "Azure"],
            "score": [0.95, 0.7, 0.5],
        }
    )
    assert coverage.filter_queue(queue, segment="nonprofit").index.tolist() == [1]
    assert coverage.filter_queue(queue, offer_type="AzurePlan").index.tolist() == [2]
    assert coverage.filter_queue(queue, product_family="Microsoft 365").index.tolist() == [0, 1]
    assert coverage.filter_queue(queue, min_score=0.6, max_score=0.9).index.tolist() == [1]
    assert len(coverage.filter_queue(queue)) == 3
