"""Review coverage and the review queue the analyst's notebook reads."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from offermap.apply.batch import apply_decisions
from offermap.apply.rule_check import check_decision_facts
from offermap.reports import coverage
from offermap.review import approvals as review
from tests import factories
from tests.health.coverage_scenario import CONNECTION, reviewed_db
from tests.store_helpers import publish_snapshot

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


def test_ids_and_counts_stay_integers_when_some_are_missing(tmp_path: Path) -> None:
    variants = coverage.coverage_variants(reviewed_db(tmp_path), CONNECTION)

    assert str(variants["mapped_service_id"].dtype) == "Int64"
    mapped = variants.set_index("offer_name")["mapped_service_id"]
    assert mapped["Microsoft 365 Business Premium"] == 202
    assert mapped.isna().sum() == len(variants) - 1
    assert str(variants["customers"].dtype) == "Int64"


def test_abstained_variants_can_lead_with_their_nearest_candidate() -> None:
    queue = pd.DataFrame(
        {
            "proposal_id": [1, 2, 3, 4],
            "variant": ["held", "held", "open", "open"],
            "rank": [1, 2, 1, 2],
            "status": ["not_proposed", "not_proposed", "proposed", "not_proposed"],
            "score": [0.3, 0.2, 0.9, 0.4],
            "service_id": [11, 12, 13, 14],
            "service_name": ["a", "b", "c", "d"],
        }
    )

    assert coverage.first_choices(queue)["proposal_id"].tolist() == [3]
    both = coverage.first_choices(queue, abstained=True)
    assert both["proposal_id"].tolist() == [3, 1]
    assert both.set_index("variant").loc["held", "alternatives"] == "b (12) 0.20 [not_proposed]"


def test_who_holds_each_variant_counts_active_and_suspended_subscriptions_per_customer(
    tmp_path: Path,
) -> None:
    db = tmp_path / "holders.duckdb"
    e3 = {"provider_offer_id": "CFQ7TTC0LF8Q:0001"}
    publish_snapshot(
        db,
        "holders",
        "sync-1",
        [factories.service(1, "Backup - per device")],
        [
            factories.subscription(
                "o365e3", "Office 365 E3", customer_id="contoso", quantity=5, **e3
            ),
            factories.subscription(
                "o365e3", "Office 365 E3", customer_id="contoso", quantity=2, **e3
            ),
            factories.subscription(
                "o365e3", "Office 365 E3", customer_id="fabrikam", status="Suspended", **e3
            ),
            factories.subscription(
                "o365e3", "Office 365 E3", customer_id="gone", status="Expired", **e3
            ),
            factories.subscription("teams", "Teams Essentials", customer_id="fabrikam", quantity=9),
        ],
    )

    holders = coverage.variant_customers(db, "holders")

    rows = holders[["variant", "customer_id", "subscriptions", "seats", "statuses"]]
    assert rows.to_dict("records") == [
        {
            "variant": "CFQ7TTC0LF8Q:0001/Commercial/OneYear/Monthly",
            "customer_id": "contoso",
            "subscriptions": 2,
            "seats": 7,
            "statuses": "Active",
        },
        {
            "variant": "CFQ7TTC0LF8Q:0001/Commercial/OneYear/Monthly",
            "customer_id": "fabrikam",
            "subscriptions": 1,
            "seats": 5,
            "statuses": "Suspended",
        },
        {
            "variant": "TEAMS:0001/Commercial/OneYear/Monthly",
            "customer_id": "fabrikam",
            "subscriptions": 1,
            "seats": 9,
            "statuses": "Active",
        },
    ]
    assert holders["mapped_service_id"].isna().all()
    by_offer = coverage.filter_customers(holders, offer="office 365")
    assert by_offer["customer_id"].tolist() == ["contoso", "fabrikam"]
    by_handle = coverage.filter_customers(holders, offer="TEAMS:0001/Commercial")
    assert by_handle["customer_id"].tolist() == ["fabrikam"]
    assert coverage.filter_customers(holders, customer="FABRIKAM")["variant"].nunique() == 2
    assert coverage.filter_customers(holders, offer="teams", customer="contoso").empty


def test_a_provider_id_naming_two_offers_is_not_used_in_handles(tmp_path: Path) -> None:
    db = tmp_path / "ambiguous.duckdb"
    shared = {"provider_offer_id": "CFQ7TTC0LH18:0001"}
    publish_snapshot(
        db,
        "ambiguous",
        "sync-1",
        [factories.service(1, "Backup - per device")],
        [
            factories.subscription("offer-a", "Microsoft 365 Business Basic", **shared),
            factories.subscription(
                "offer-b", "Microsoft 365 Business Basic", customer_id="c2", **shared
            ),
        ],
    )

    assert sorted(coverage.coverage_variants(db, "ambiguous")["variant"]) == [
        "offer-a/Commercial/OneYear/Monthly",
        "offer-b/Commercial/OneYear/Monthly",
    ]
    assert sorted(coverage.variant_customers(db, "ambiguous")["variant"]) == [
        "offer-a/Commercial/OneYear/Monthly",
        "offer-b/Commercial/OneYear/Monthly",
    ]


def test_proposal_states_say_which_ids_are_open_decided_waiting_or_unknown(
    tmp_path: Path,
) -> None:
    db = reviewed_db(tmp_path)
    queue = coverage.review_queue(db, CONNECTION)
    first, runner_up = (int(i) for i in queue.sort_values("rank")["proposal_id"])
    assert coverage.proposal_states(db, CONNECTION, [first, runner_up])["state"].tolist() == [
        "open",
        "open",
    ]

    review.approve(db, CONNECTION, [first], actor="analyst", note="looks right")
    states = coverage.proposal_states(db, CONNECTION, [runner_up, first, 424242, first])

    assert states["proposal_id"].tolist() == [runner_up, first, 424242]
    assert states["state"].tolist() == ["awaiting_apply", "decided", "unknown"]
    waiting, decided, unknown = states.to_dict("records")
    assert waiting["detail"].startswith("decision ")
    assert "already approved service 201 for its offer variant" in waiting["detail"]
    assert decided["detail"].startswith("already approved by analyst on ")
    assert decided["detail"].endswith(", pending)")
    assert decided["variant"] == STANDARD and decided["service_id"] == 201
    assert decided["service_name"] == "Microsoft 365 Business Standard - annual, billed monthly"
    assert unknown["detail"] == "no such proposal: pick an id from the review queue"
    assert coverage.proposal_states(db, CONNECTION, []).empty

    apply_decisions(db, CONNECTION, "apply-2", rules_check=check_decision_facts)
    after = coverage.proposal_states(db, CONNECTION, [first, runner_up]).to_dict("records")
    assert after[0]["state"] == "decided" and after[0]["detail"].endswith(", applied)")
    assert after[1]["state"] == "mapped"
    assert after[1]["detail"] == (
        "its offer variant is already mapped to service "
        "Microsoft 365 Business Standard - annual, billed monthly (201)"
    )
