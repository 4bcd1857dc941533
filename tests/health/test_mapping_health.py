"""Mapping health: drift of existing mappings, refusals and the audit over time, read-only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from offermap.apply.batch import apply_decisions
from offermap.apply.rule_check import check_decision_facts
from offermap.reports import mapping_health as health
from offermap.review import approvals as review
from offermap.store import StoreError
from tests.health.scenario import (
    CONNECTION,
    handle,
    mapped_db,
    republish,
    variant,
)


def _drift_by_variant(db: Path) -> dict[str, list[str]]:
    frame = health.mapping_drift(db, CONNECTION)
    found: dict[str, list[str]] = {}
    for row in frame.to_dict("records"):
        found.setdefault(row["variant"], []).append(row["rule"])
    return found


def test_mappings_that_still_satisfy_the_rules_show_no_drift(tmp_path: Path) -> None:
    db, services, subscriptions = mapped_db(tmp_path)
    republish(db, services, subscriptions)

    assert health.mapping_drift(db, CONNECTION).empty
    summary = health.health_summary(db, CONNECTION)
    assert (summary["mappings"], summary["healthy"], summary["drifted"]) == (5, 5, 0)
    assert summary["drift_by_rule"] == {}


def test_a_deactivated_service_is_r2_drift_naming_the_mapping_and_what_changed(
    tmp_path: Path,
) -> None:
    db, services, subscriptions = mapped_db(tmp_path)
    services[0]["is_active"] = False
    republish(db, services, subscriptions)

    rows = health.mapping_drift(db, CONNECTION).to_dict("records")
    assert len(rows) == 1
    row = rows[0]
    assert (row["rule"], row["drift"], row["variant"]) == (
        "R2",
        "service_deactivated",
        handle("m365bb"),
    )
    assert row["offer_name"] == "Microsoft 365 Business Basic"
    assert (row["service_id"], row["service_name"]) == (
        101,
        "Microsoft 365 Business Basic - monthly",
    )
    assert "now inactive" in row["what_changed"] and "101" in row["what_changed"]
    assert row["rule_title"] == "Service must be active"
    assert row["mapped_by"] == "admin" and row["decision_id"] is not None


def test_a_service_whose_period_changed_is_r5_drift_with_the_period_the_offer_needs(
    tmp_path: Path,
) -> None:
    db, services, subscriptions = mapped_db(tmp_path)
    services[1].update(period_type=2, period_type_label="Monthly")  # the Annual offer's service
    republish(db, services, subscriptions)

    rows = health.mapping_drift(db, CONNECTION).to_dict("records")
    assert [(r["rule"], r["drift"], r["variant"]) for r in rows] == [
        ("R5", "period_changed", handle("m365e3"))
    ]
    assert "now bills Monthly" in rows[0]["what_changed"]
    assert "needs a Yearly service" in rows[0]["what_changed"]


def test_an_azure_plan_service_given_a_price_is_r6_drift_with_cost_and_price(
    tmp_path: Path,
) -> None:
    db, services, subscriptions = mapped_db(tmp_path)
    services[2].update(unit_cost=1.5, unit_price=2.0)
    republish(db, services, subscriptions)

    rows = health.mapping_drift(db, CONNECTION).to_dict("records")
    assert [(r["rule"], r["drift"], r["variant"]) for r in rows] == [
        ("R6", "azure_plan_priced", handle("azplan"))
    ]
    assert "unit cost 1.5 and unit price 2" in rows[0]["what_changed"]


def test_a_price_on_a_licence_service_is_not_drift(tmp_path: Path) -> None:
    db, services, subscriptions = mapped_db(tmp_path)
    services[0].update(unit_cost=7.0, unit_price=9.0)  # R6 is about Azure plans only
    republish(db, services, subscriptions)

    assert health.mapping_drift(db, CONNECTION).empty


def test_a_service_gone_from_the_snapshot_is_r1_drift(tmp_path: Path) -> None:
    db, services, subscriptions = mapped_db(tmp_path)
    republish(db, [s for s in services if s["service_id"] != 104], subscriptions)

    rows = health.mapping_drift(db, CONNECTION).to_dict("records")
    assert [(r["rule"], r["drift"], r["variant"], r["service_id"]) for r in rows] == [
        ("R1", "service_missing", handle("exo1"), 104)
    ]
    assert "no longer in the latest Autotask snapshot" in rows[0]["what_changed"]


def test_a_variant_nobody_holds_any_more_is_r9_drift_with_what_became_of_it(
    tmp_path: Path,
) -> None:
    db, services, subscriptions = mapped_db(tmp_path)
    held = [s for s in subscriptions if s["offer_id"] == "pbipro"]
    held[0]["status"], held[1]["status"] = "Expired", "Deleted"
    republish(db, services, subscriptions)

    rows = health.mapping_drift(db, CONNECTION).to_dict("records")
    assert [(r["rule"], r["drift"], r["variant"]) for r in rows] == [
        ("R9", "variant_not_acquired", handle("pbipro"))
    ]
    # The offer's name still comes from the snapshot, though nobody holds it.
    assert rows[0]["offer_name"] == "Power BI Pro for faculty"
    assert "Deleted: 1, Expired: 1" in rows[0]["what_changed"]


def test_a_variant_gone_from_cloudcockpit_entirely_is_r9_drift(tmp_path: Path) -> None:
    db, services, subscriptions = mapped_db(tmp_path)
    republish(db, services, [s for s in subscriptions if s["offer_id"] != "exo1"])

    rows = health.mapping_drift(db, CONNECTION).to_dict("records")
    assert [(r["rule"], r["variant"]) for r in rows] == [("R9", "exo1/Commercial/OneMonth/Monthly")]
    assert "no subscription to this variant is left" in rows[0]["what_changed"]


def test_a_mapping_breaking_two_rules_has_a_row_per_rule_but_counts_once(tmp_path: Path) -> None:
    db, services, subscriptions = mapped_db(tmp_path)
    services[0].update(is_active=False, period_type=5, period_type_label="Yearly")
    republish(db, services, subscriptions)

    assert _drift_by_variant(db) == {handle("m365bb"): ["R2", "R5"]}
    summary = health.health_summary(db, CONNECTION)
    assert (summary["mappings"], summary["healthy"], summary["drifted"]) == (5, 4, 1)
    assert summary["drift_by_rule"] == {"R2": 1, "R5": 1}
    assert set(summary["snapshots"]) == {"autotask", "cloudcockpit"}


def test_drift_rows_come_in_rule_order(tmp_path: Path) -> None:
    db, services, subscriptions = mapped_db(tmp_path)
    services[2].update(unit_price=3.0)
    services[0]["is_active"] = False
    republish(db, [s for s in services if s["service_id"] != 104], subscriptions)

    rules_found = health.mapping_drift(db, CONNECTION)["rule"].tolist()
    assert rules_found == ["R1", "R2", "R6"]


def _refuse_one(db: Path) -> None:
    """A refused mapping (an Azure plan to a priced, taken service) and a refused unmap."""
    review.decide_manually(
        db, CONNECTION, variant("azplan"), service_id=101, kind="approve", actor="admin-2"
    )
    apply_decisions(db, CONNECTION, "apply-2", rules_check=check_decision_facts)
    for run in ("apply-3", "apply-4"):  # the second unmap finds nothing left to unmap
        review.decide_manually(
            db, CONNECTION, variant("exo1"), service_id=None, kind="unmap", actor="a"
        )
        apply_decisions(db, CONNECTION, run, rules_check=check_decision_facts)


def test_failed_decisions_name_the_rule_the_reason_and_the_service(tmp_path: Path) -> None:
    db, _, _ = mapped_db(tmp_path)
    _refuse_one(db)

    failed = health.failed_decisions(db, CONNECTION)
    by_variant = {(r["variant"], r["operation"]): r for r in failed.to_dict("records")}
    refused = by_variant[(handle("azplan"), "Create Connection Offer Mapping")]
    assert refused["service_name"] == "Microsoft 365 Business Basic - monthly"
    assert refused["rule"] in {"R3", "R4", "R6"} and "R6:" in refused["reason"]
    assert refused["actor"] == "admin-2" and refused["decision_source"] == "manual"
    # The second unmap of the same variant finds nothing to unmap: refused without a rule.
    unmap = by_variant[(handle("exo1"), "Delete Connection Offer Mapping")]
    assert pd.isna(unmap["rule"]) and "not mapped" in unmap["reason"]

    counts = health.failures_by_rule(failed)
    assert counts["failures"].sum() == 2
    assert health.NO_RULE in counts["rule"].tolist()


def test_failed_decisions_since_a_time_leave_out_older_ones(tmp_path: Path) -> None:
    db, _, _ = mapped_db(tmp_path)
    _refuse_one(db)

    later = datetime.now(UTC) + timedelta(minutes=1)
    assert health.failed_decisions(db, CONNECTION, since=later).empty
    assert health.failures_by_rule(health.failed_decisions(db, CONNECTION, since=later)).empty


def test_audit_over_time_counts_operations_per_bucket_operation_and_status(tmp_path: Path) -> None:
    db, _, _ = mapped_db(tmp_path)
    _refuse_one(db)

    timeline = health.audit_over_time(db, CONNECTION, bucket="hour")
    counts = {(r["operation"], r["status"]): r["operations"] for r in timeline.to_dict("records")}
    assert counts == {
        ("Create Connection Offer Mapping", "Succeeded"): 5,
        ("Create Connection Offer Mapping", "Failed"): 1,
        ("Delete Connection Offer Mapping", "Succeeded"): 1,
        ("Delete Connection Offer Mapping", "Failed"): 1,
    }
    assert timeline["bucket"].nunique() in (1, 2)  # an hour boundary may fall in between
    assert all(ts.minute == 0 and ts.second == 0 for ts in timeline["bucket"])


def test_audit_over_time_refuses_an_unknown_bucket(tmp_path: Path) -> None:
    db, _, _ = mapped_db(tmp_path)
    with pytest.raises(health.HealthError, match="use one of"):
        health.audit_over_time(db, CONNECTION, bucket="fortnight; DROP TABLE audit_log")


def test_an_unknown_connection_is_refused_naming_the_known_ones(tmp_path: Path) -> None:
    db, _, _ = mapped_db(tmp_path)
    with pytest.raises(health.HealthError, match=r"no connection 'nope'.*it has: health"):
        health.mapping_drift(db, "nope")


def test_a_missing_database_is_a_clear_error_and_is_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "nothing-here.duckdb"
    with pytest.raises(StoreError, match="no offermap database"):
        health.health_summary(missing, CONNECTION)
    assert not missing.exists()


def test_health_only_reads_so_it_works_beside_another_reader(tmp_path: Path) -> None:
    db, services, subscriptions = mapped_db(tmp_path)
    services[0]["is_active"] = False
    republish(db, services, subscriptions)
    # DuckDB refuses a read-write open of a file this process already holds read-only.
    held = duckdb.connect(str(db), read_only=True)
    try:
        assert len(health.mapping_drift(db, CONNECTION)) == 1
        assert health.health_summary(db, CONNECTION)["drifted"] == 1
        health.failed_decisions(db, CONNECTION)
        health.audit_over_time(db, CONNECTION)
        health.snapshot_status(db, CONNECTION)
    finally:
        held.close()


def test_snapshot_status_shows_the_latest_published_run_of_each_source(tmp_path: Path) -> None:
    db, services, subscriptions = mapped_db(tmp_path)
    republish(db, services, subscriptions)

    frame = health.snapshot_status(db, CONNECTION)
    assert dict(zip(frame["source"], frame["run_id"], strict=True)) == {
        "autotask": "sync-2",
        "cloudcockpit": "sync-2",
    }
    assert dict(zip(frame["source"], frame["records"], strict=True)) == {
        "autotask": 5,
        "cloudcockpit": 10,
    }
