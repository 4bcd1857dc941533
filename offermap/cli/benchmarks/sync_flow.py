"""`offermap bench sync`: the Prefect sync flow of the large tenant, end to end.

It runs the flow itself (Prefect's start-up included when no server is running), so it lives
in the application layer beside the other benchmarks that run flows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from offermap.bench.cloudcockpit import CONNECTION, PAGE_SIZES
from offermap.bench.common import (
    AUTOTASK_PAGE_SIZE,
    RequestCount,
    SandboxProcess,
    Stopwatch,
    count_requests,
    isolated_run,
)
from offermap.bench.report import BenchReport, peak_rss_mib


def _full_sync(sandbox: SandboxProcess, folder: Path, watch: Stopwatch) -> dict[str, Any]:
    """Run the Prefect sync flow against the tenant and return its summary."""
    from flows.sync import sync

    sandbox.reset()
    with watch.stage("sync flow"):
        summary: dict[str, Any] = sync(
            connection_id=CONNECTION, db_path=str(folder / "sync.duckdb")
        )
    stats = sandbox.stats()
    summary["requests"] = [
        count_requests(
            stats, "autotask", records=sandbox.sizes["services"], page_size=AUTOTASK_PAGE_SIZE
        ),
        count_requests(
            stats,
            "cloudcockpit",
            # The extraction names the subscriptions' customers: their list is read too.
            records={
                "subscriptions": sandbox.sizes["subscriptions"],
                "customers": sandbox.sizes["customers"],
            },
            page_size=PAGE_SIZES[0],
        ),
    ]
    return summary


def run(*, quick: bool = False) -> BenchReport:
    """Sync the large tenant (small when quick) with the Prefect flow; time and count requests."""
    scale = "small" if quick else "large"
    watch = Stopwatch()
    report = BenchReport(name="sync", title=f"The sync flow on the {scale} tenant (Prefect)")
    with SandboxProcess(scale) as sandbox:
        settings = {
            **sandbox.env,
            "CLOUDCOCKPIT_PAGE_SIZE": str(PAGE_SIZES[0]),
            "OFFERMAP_CONNECTION": CONNECTION,
        }
        with isolated_run(settings) as folder:
            summary = _full_sync(sandbox, folder, watch)
    sync_stage = watch.get("sync flow")
    requests: list[RequestCount] = summary["requests"]
    report.rows = [
        {
            "run": "sync flow (both APIs, validate, publish, derive, propose)",
            "records": sum(e["records"] for e in summary["extract"].values()),
            "requests": sum(c.total for c in requests),
            # Each fixed call (token, Autotask's field list and count) is needed once.
            "minimum": sum(c.minimum_pages + len(c.fixed) for c in requests),
            "seconds": round(sync_stage.seconds, 2),
            "peak RSS MiB": sync_stage.peak_rss_mib,
            "detail": "variants: "
            + ", ".join(f"{k} {v}" for k, v in sorted(summary["variants"].items()))
            + "; matcher: "
            + ", ".join(
                f"{k} {v}" for k, v in sorted(summary["proposals"]["variants_by_status"].items())
            ),
        }
    ]
    report.notes += [
        "minimum = ceil(subscriptions / page size) + ceil(customers / page size) "
        "+ ceil(services / 500) pages + each fixed call once (CloudCockpit's token, "
        "Autotask's field list and count)",
        "the sync includes Prefect start-up when no Prefect server is running",
    ]
    report.figures = {
        "scale": scale,
        "sync": {
            "seconds": round(sync_stage.seconds, 3),
            "peak_rss_mib": sync_stage.peak_rss_mib,
            "run_id": summary["run_id"],
            "extract": summary["extract"],
            "variants_by_status": summary["variants"],
            "proposals": summary["proposals"],
            "requests": {c.api: c.to_dict() for c in requests},
        },
        "peak_rss_mib": peak_rss_mib(),
    }
    return report
