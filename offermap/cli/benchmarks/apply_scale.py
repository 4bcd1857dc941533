"""`offermap bench apply`: apply N approved decisions (rules suite included) at 1k, 10k, 50k."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from offermap.bench.common import Stopwatch, isolated_run
from offermap.bench.report import BenchReport, peak_rss_mib

CONNECTION = "bench"
SIZES = (1_000, 10_000, 50_000)
QUICK_SIZES = (100, 400)
HEADLINE = 10_000
# Every 20th decision picks an inactive service (R2) and every 50th, offset by one, a Yearly
# service for a monthly offer (R5): refusals cost an audit row with reasons, as in real life.
_INACTIVE_EVERY = 20
_YEARLY_EVERY = 50


def _service(i: int) -> dict[str, Any]:
    yearly = i % _YEARLY_EVERY == 1
    return {
        "service_id": 100_000 + i,
        "name": f"Bench offer {i} - Annual (Billed {'Annually' if yearly else 'Monthly'})",
        "description": None,
        "invoice_description": None,
        "period_type": 5 if yearly else 2,
        "period_type_label": "Yearly" if yearly else "Monthly",
        "unit_cost": 10.0,
        "unit_price": 12.0,
        "is_active": i % _INACTIVE_EVERY != 0,
        "sku": f"BENCH{i:07d}:0001",
        "catalog_number_part_number": None,
        "manufacturer_service_provider_product_number": None,
        "external_id": None,
        "internal_id": None,
        "vendor_company_id": None,
        "last_modified_date": None,
    }


def _subscription(i: int) -> dict[str, Any]:
    return {
        "subscription_id": f"sub-{i:07d}",
        "customer_id": f"customer-{i % 2000:04d}",
        "reseller_id": None,
        "offer_id": f"offer-{i:07d}",
        "provider_offer_id": f"BENCH{i:07d}:0001",
        "offer_name": f"Bench offer {i}",
        "offer_type": "License",
        "segment": "Commercial",
        "term": "OneYear",
        "billing_frequency": "Monthly",
        "status": "Active",
        "quantity": 1 + i % 40,
        "start_date": None,
        "end_date": None,
        "is_trial": False,
        "is_addon": False,
    }


def _proposal(i: int, now: datetime) -> dict[str, Any]:
    return {
        "connection_id": CONNECTION,
        "run_id": "sync-bench-apply",
        "offer_id": f"offer-{i:07d}",
        "segment": "Commercial",
        "term": "OneYear",
        "billing_frequency": "Monthly",
        "rank": 1,
        "service_id": 100_000 + i,
        "score": 0.95,
        "status": "proposed",
        "reasons": json.dumps({"variant_status": "proposed", "reasons": ["bench"]}),
        "created_at": now,
    }


def prepare(db: Path, size: int) -> None:
    """A published snapshot of `size` acquired variants and services, each with one proposal.

    Written through the same staging, publish and derive path as a sync.
    """
    from offermap.store import open_store
    from offermap.store.acquired import derive_acquired_offers
    from offermap.store.proposals import replace_proposals
    from offermap.store.snapshots import (
        begin_sync,
        finish_extract,
        land_rows,
        publish,
        register_connection,
        start_extract,
    )

    run_id = "sync-bench-apply"
    now = datetime.now(UTC)
    sources: dict[str, list[dict[str, Any]]] = {
        "autotask": [_service(i) for i in range(size)],
        "cloudcockpit": [_subscription(i) for i in range(size)],
    }
    with open_store(db) as con:
        register_connection(con, CONNECTION)
        begin_sync(con, CONNECTION, run_id)
        for source, rows in sources.items():
            start_extract(con, CONNECTION, run_id, source)  # type: ignore[arg-type]
            land_rows(con, source, CONNECTION, run_id, now, rows)  # type: ignore[arg-type]
            finish_extract(
                con,
                run_id,
                source,  # type: ignore[arg-type]
                status="landed",
                records=len(rows),
                requests=0,
            )
        publish(con, CONNECTION, run_id)
        derive_acquired_offers(con, CONNECTION, run_id)
        replace_proposals(con, CONNECTION, [_proposal(i, now) for i in range(size)])


def expected_refusals(size: int) -> int:
    """How many of `size` decisions break a rule by construction (R2 or R5)."""
    return sum(1 for i in range(size) if i % _INACTIVE_EVERY == 0 or i % _YEARLY_EVERY == 1)


def _one_size(watch: Stopwatch, size: int) -> dict[str, Any]:
    from expectations.suites import validate_decisions
    from offermap.apply.batch import apply_decisions
    from offermap.review.approvals import approve

    with isolated_run({"OFFERMAP_CONNECTION": CONNECTION}) as folder:
        db = folder / "offermap.duckdb"
        with watch.stage(f"prepare {size}"):
            prepare(db, size)
        with watch.stage(f"approve {size}"):
            approved = approve(db, CONNECTION, min_score=0.9, actor="bench-analyst")
        with watch.stage(f"apply {size}"):
            first = apply_decisions(
                db, CONNECTION, f"apply-bench-{size}", rules_check=validate_decisions
            )
        with watch.stage(f"apply again {size}"):
            second = apply_decisions(
                db, CONNECTION, f"apply-bench-{size}-again", rules_check=validate_decisions
            )
        db_mib = round(db.stat().st_size / 2**20, 1)
    return {
        "decisions": len(approved),
        "applied": len(first.applied),
        "refused": len(first.failed),
        "second_run_decisions": second.decisions,
        "db_mib": db_mib,
    }


def run(*, quick: bool = False) -> BenchReport:
    """Apply batches of approved decisions of growing size, each in a fresh database."""
    from expectations.suites import warm_up

    sizes = QUICK_SIZES if quick else SIZES
    watch = Stopwatch()
    report = BenchReport(
        name="apply",
        title="Apply N approved decisions: rules suite, mappings and one audit row each",
    )
    with watch.stage("GX import (once per process)"):
        warm_up(["decision_rules"])
    outcomes = {size: _one_size(watch, size) for size in sizes}
    for size, outcome in outcomes.items():
        apply_stage = watch.get(f"apply {size}")
        report.rows.append(
            {
                "decisions": size,
                "apply s": round(apply_stage.seconds, 2),
                "µs per decision": round(apply_stage.seconds / size * 1e6, 1),
                "peak RSS MiB": apply_stage.peak_rss_mib,
                "mapped": outcome["applied"],
                "refused": outcome["refused"],
                "approve s": round(watch.get(f"approve {size}").seconds, 2),
                "2nd apply s": round(watch.get(f"apply again {size}").seconds, 2),
                "DB MiB": outcome["db_mib"],
            }
        )
    headline = HEADLINE if HEADLINE in outcomes else max(outcomes)
    report.notes.append(
        f"apply of {headline:,} approved decisions: "
        f"{watch.get(f'apply {headline}').seconds:.2f} s (validation included); GX import "
        f"{watch.get('GX import (once per process)').seconds:.2f} s once per process, not counted"
    )
    report.figures = {
        "sizes": list(sizes),
        "headline_size": headline,
        "stages": {
            s.name: {"seconds": round(s.seconds, 3), "peak_rss_mib": s.peak_rss_mib}
            for s in watch.stages
        },
        "outcomes": {str(size): outcome for size, outcome in outcomes.items()},
        "peak_rss_mib": peak_rss_mib(),
    }
    return report
