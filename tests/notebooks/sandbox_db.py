"""A reviewed, applied and then drifted sandbox database, built through the library stages."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from expectations.suites import input_suites
from offermap.acquired.derive import derive
from offermap.apply.batch import apply_decisions
from offermap.apply.rule_check import check_decision_facts
from offermap.extract.autotask_services import extract_services
from offermap.extract.cloudcockpit_subscriptions import extract_subscriptions
from offermap.extract.publish import publish_snapshots, start_sync, validate_inputs
from offermap.propose.proposer import propose
from offermap.reports.mapping_health import variant_handle
from offermap.review import approvals as review
from offermap.store import fetch_dicts, open_store
from offermap.store.snapshots import AUTOTASK_COLUMNS, CLOUDCOCKPIT_COLUMNS
from tests.store_helpers import publish_snapshot

CONNECTION = "nbtest"
_PREFIXES = ("AUTOTASK_", "CLOUDCOCKPIT_", "OFFERMAP_")


@dataclass
class ReviewedDb:
    """The database and what was done to it, so tests know what the notebooks must show."""

    path: Path
    connection_id: str
    approved: list[int]
    rejected: list[int]
    refused_rule: str | None
    # variant handle -> the rule its drift breaks
    drift: dict[str, str] = field(default_factory=dict)
    drifted_services: dict[str, int] = field(default_factory=dict)


@contextmanager
def _sandbox_environment(env: dict[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    try:
        for name in list(os.environ):
            if name.startswith(_PREFIXES):
                del os.environ[name]
        os.environ.update(env)
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _sync(db: Path, sandbox: Any) -> None:
    run_id = "sync-nbtest-1"
    with _sandbox_environment(sandbox.env()):
        start_sync(db, CONNECTION, run_id)
        extract_services(db, CONNECTION, run_id)
        extract_subscriptions(db, CONNECTION, run_id)
        validate_inputs(db, CONNECTION, run_id, suites=input_suites())
        publish_snapshots(db, CONNECTION, run_id)
    derive(db, CONNECTION, run_id)
    propose(db, CONNECTION, run_id)


def _priced_azure_pair(db: Path) -> tuple[tuple[str, str, str, str], int] | None:
    """An Azure plan variant and a priced Monthly service: a pair R6 refuses."""
    with open_store(db, read_only=True) as con:
        plans = fetch_dicts(
            con,
            "SELECT offer_id, segment, term, billing_frequency FROM acquired_offers "
            "WHERE connection_id = ? AND offer_type = 'AzurePlan' ORDER BY ALL LIMIT 1",
            [CONNECTION],
        )
        priced = fetch_dicts(
            con,
            "SELECT service_id FROM at_services WHERE connection_id = ? AND is_active "
            "AND unit_price > 0 AND period_type_label = 'Monthly' "
            "AND service_id NOT IN (SELECT service_id FROM offer_mappings) "
            "ORDER BY service_id DESC LIMIT 1",
            [CONNECTION],
        )
    if not plans or not priced:
        return None
    plan = plans[0]
    key = (plan["offer_id"], plan["segment"], plan["term"], plan["billing_frequency"])
    return key, int(priced[0]["service_id"])


def _review_and_apply(db: Path) -> tuple[list[int], list[int], str | None]:
    firsts = [
        row
        for row in review.list_open_proposals(db, CONNECTION)
        if row["rank"] == 1 and row["offer_type"] != "AzurePlan"
    ]
    firsts.sort(key=lambda r: (-float(r["score"]), int(r["proposal_id"])))
    approve_ids = [int(r["proposal_id"]) for r in firsts[:8]]
    reject_ids = [int(r["proposal_id"]) for r in firsts[8:10]]
    review.approve(db, CONNECTION, approve_ids, actor="analyst-a")
    review.reject(db, CONNECTION, reject_ids, actor="analyst-a", note="wrong edition")
    refused_rule = None
    pair = _priced_azure_pair(db)
    if pair:
        review.decide_manually(
            db, CONNECTION, pair[0], service_id=pair[1], kind="approve", actor="admin-b"
        )
        refused_rule = "R6"
    result = apply_decisions(db, CONNECTION, "apply-nbtest-1", rules_check=check_decision_facts)
    assert len(result.applied) >= 4, result
    return approve_ids, reject_ids, refused_rule


def _published(db: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    with open_store(db, read_only=True) as con:
        services = fetch_dicts(
            con,
            f"SELECT {', '.join(AUTOTASK_COLUMNS)} FROM at_services WHERE connection_id = ? "
            "ORDER BY service_id",
            [CONNECTION],
        )
        subscriptions = fetch_dicts(
            con,
            f"SELECT {', '.join(CLOUDCOCKPIT_COLUMNS)} FROM cc_subscriptions "
            "WHERE connection_id = ? ORDER BY subscription_id",
            [CONNECTION],
        )
        mappings = fetch_dicts(
            con,
            "SELECT m.*, a.provider_offer_id FROM offer_mappings AS m JOIN acquired_offers AS a "
            "USING (connection_id, offer_id, segment, term, billing_frequency) "
            "WHERE m.connection_id = ? ORDER BY m.service_id",
            [CONNECTION],
        )
    return services, subscriptions, mappings


def _make_drift(db: Path) -> tuple[dict[str, str], dict[str, int]]:
    """Republish the snapshots with four mappings broken: R2, R5, R1 and R9."""
    services, subscriptions, mappings = _published(db)
    assert len(mappings) >= 4, mappings
    by_id = {int(s["service_id"]): s for s in services}
    yearly = next(s for s in services if s["period_type_label"] == "Yearly")
    drift: dict[str, str] = {}
    drifted_services: dict[str, int] = {}
    deactivated, repriced, removed, abandoned = mappings[:4]
    by_id[int(deactivated["service_id"])]["is_active"] = False
    drift[variant_handle(deactivated)] = "R2"
    period = by_id[int(repriced["service_id"])]
    needed = "Yearly" if period["period_type_label"] == "Monthly" else "Monthly"
    if needed == "Yearly":
        period["period_type"], period["period_type_label"] = yearly["period_type"], "Yearly"
    else:
        monthly = next(s for s in services if s["period_type_label"] == "Monthly")
        period["period_type"], period["period_type_label"] = monthly["period_type"], "Monthly"
    drift[variant_handle(repriced)] = "R5"
    del by_id[int(removed["service_id"])]
    drift[variant_handle(removed)] = "R1"
    for sub in subscriptions:
        if all(
            sub[k] == abandoned[k] for k in ("offer_id", "segment", "term", "billing_frequency")
        ):
            sub["status"] = "Expired"
    drift[variant_handle(abandoned)] = "R9"
    for row in (deactivated, repriced, removed, abandoned):
        drifted_services[variant_handle(row)] = int(row["service_id"])
    publish_snapshot(db, CONNECTION, "sync-nbtest-2", list(by_id.values()), subscriptions)
    return drift, drifted_services


def build_reviewed_db(db: Path, sandbox: Any) -> ReviewedDb:
    """Sync the sandbox, approve and reject some proposals, apply, then make four mappings drift."""
    _sync(db, sandbox)
    approved, rejected, refused_rule = _review_and_apply(db)
    drift, services = _make_drift(db)
    return ReviewedDb(db, CONNECTION, approved, rejected, refused_rule, drift, services)
