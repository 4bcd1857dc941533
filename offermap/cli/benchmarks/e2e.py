"""`offermap bench e2e`: the whole round on the large tenant, emulators at 80 ms a request."""

from __future__ import annotations

import resource
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from offermap.bench.common import (
    AUTOTASK_PAGE_SIZE,
    RequestCount,
    SandboxProcess,
    Stopwatch,
    count_requests,
    isolated_run,
)
from offermap.bench.report import BenchReport, peak_rss_mib

CONNECTION = "bench"
LATENCY_SECONDS = 0.08
# The analyst's rule of the round: approve every first-ranked proposal at least this good.
MIN_SCORE = 0.9
CLOUDCOCKPIT_PAGE_SIZE = 1000
LOCAL_GOAL_SECONDS = 10.0
LOCAL_STAGES = ("validate", "publish + derive", "propose", "apply")


def _extract(db: Path, run_id: str) -> dict[str, Any]:
    """Both extractions at once, as the sync flow submits them."""
    from offermap.extract.autotask_services import extract_services
    from offermap.extract.cloudcockpit_subscriptions import extract_subscriptions
    from offermap.extract.publish import start_sync

    start_sync(db, CONNECTION, run_id)
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="bench-extract") as pool:
        services = pool.submit(extract_services, db, CONNECTION, run_id)
        subscriptions = pool.submit(extract_subscriptions, db, CONNECTION, run_id)
        return {"autotask": services.result(), "cloudcockpit": subscriptions.result()}


def _request_counts(stats: dict[str, Any], sizes: dict[str, int]) -> list[RequestCount]:
    """Requests each API answered during the extraction, against the minimum."""
    return [
        count_requests(stats, "autotask", records=sizes["services"], page_size=AUTOTASK_PAGE_SIZE),
        count_requests(
            stats,
            "cloudcockpit",
            # The extraction names the subscriptions' customers: their list is read too.
            records={"subscriptions": sizes["subscriptions"], "customers": sizes["customers"]},
            page_size=CLOUDCOCKPIT_PAGE_SIZE,
        ),
    ]


def run(*, quick: bool = False) -> BenchReport:
    """Sync, approve, apply on the large tenant (small when quick) and time every stage."""
    from expectations.suites import input_suites, validate_decisions, warm_up
    from offermap.acquired.derive import derive
    from offermap.apply.batch import apply_decisions
    from offermap.extract.publish import publish_snapshots, validate_inputs
    from offermap.propose.proposer import propose
    from offermap.review.approvals import approve

    scale = "small" if quick else "large"
    watch = Stopwatch()
    report = BenchReport(
        name="e2e", title=f"End to end on the {scale} tenant, emulators at 80 ms a request"
    )
    with SandboxProcess(scale, latency_seconds=LATENCY_SECONDS) as sandbox:
        settings = {
            **sandbox.env,
            "CLOUDCOCKPIT_PAGE_SIZE": str(CLOUDCOCKPIT_PAGE_SIZE),
            "OFFERMAP_CONNECTION": CONNECTION,
            "OFFERMAP_ACTOR": "bench-analyst",
        }
        with isolated_run(settings) as folder:
            db = folder / "offermap.duckdb"
            run_id = "sync-bench-e2e"
            with watch.stage("extract"):
                extracted = _extract(db, run_id)
            stats = sandbox.stats()
            # Great Expectations is imported once per process; its cost is not the pipeline's.
            with watch.stage("GX import (once per process)"):
                warm_up()
            with watch.stage("validate"):
                validate_inputs(db, CONNECTION, run_id, suites=input_suites())
            with watch.stage("publish + derive"):
                publish_snapshots(db, CONNECTION, run_id)
                variants = derive(db, CONNECTION, run_id)
            with watch.stage("propose"):
                proposed = propose(db, CONNECTION, run_id)
            with watch.stage("approve (analyst)"):
                approved = approve(db, CONNECTION, min_score=MIN_SCORE, actor="bench-analyst")
            with watch.stage("apply"):
                applied = apply_decisions(
                    db, CONNECTION, "apply-bench-e2e", rules_check=validate_decisions
                )
    requests = _request_counts(stats, sandbox.sizes)
    local = watch.seconds(*LOCAL_STAGES)
    details = {
        "extract": f"{extracted['autotask'].records} services, "
        f"{extracted['cloudcockpit'].records} subscriptions",
        "publish + derive": ", ".join(f"{k} {v}" for k, v in sorted(variants.items())),
        "propose": f"{proposed.proposals_written} proposals; "
        + ", ".join(f"{k} {v}" for k, v in sorted(proposed.variants_by_status.items())),
        "approve (analyst)": f"{len(approved)} first-ranked proposals scoring >= {MIN_SCORE}",
        "apply": f"{len(applied.applied)} mapped, {len(applied.failed)} refused",
    }
    report.rows = [{**stage.row(), "detail": details.get(stage.name, "")} for stage in watch.stages]
    report.rows.append(
        {
            "stage": "local stages",
            "seconds": round(local, 2),
            "detail": f"{' + '.join(LOCAL_STAGES)}; goal <= {LOCAL_GOAL_SECONDS:g} s",
        }
    )
    report.rows += [
        {"stage": f"requests: {count.api}", "detail": count.describe()} for count in requests
    ]
    report.figures = {
        "scale": scale,
        "latency_seconds": LATENCY_SECONDS,
        "stages": {
            s.name: {"seconds": round(s.seconds, 3), "peak_rss_mib": s.peak_rss_mib}
            for s in watch.stages
        },
        "local_seconds": local,
        "local_goal_seconds": LOCAL_GOAL_SECONDS,
        "local_within_goal": local <= LOCAL_GOAL_SECONDS,
        "requests": {count.api: count.to_dict() for count in requests},
        "variants_by_status": variants,
        "proposals": proposed.proposals_written,
        "approved": len(approved),
        "applied": len(applied.applied),
        "refused": len(applied.failed),
        "peak_rss_mib": peak_rss_mib(),
        "cpu_seconds": round(sum(resource.getrusage(resource.RUSAGE_SELF)[:2]), 1),
    }
    return report
