"""`offermap bench cloudcockpit`: reading and landing the large tenant's subscriptions (and,
when landing, their customers' names)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from offermap.bench.common import (
    SandboxProcess,
    Stopwatch,
    count_requests,
    isolated_run,
)
from offermap.bench.report import BenchReport, peak_rss_mib

CONNECTION = "bench"
# The default page size and CloudCockpit's maximum.
PAGE_SIZES = (1000, 2000)
LATENCY_SECONDS = 0.08


def _read_only(sandbox: SandboxProcess, page_size: int) -> tuple[int, int]:
    """Read every subscription through the client, keeping none.

    Returns:
        (records read, API requests the client counted; token requests are not among them).
    """
    from offermap.cloudcockpit import CloudCockpitClient
    from offermap.settings import load_cloudcockpit_settings

    settings = load_cloudcockpit_settings(page_size=page_size)
    with CloudCockpitClient.from_settings(settings) as client:
        records = sum(1 for _ in client.iter_subscriptions())
        return records, client.requests_made


def _extraction_rows(
    sandbox: SandboxProcess, folder: Path, watch: Stopwatch
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Read and land the subscriptions under several page sizes and latencies."""
    from offermap.extract.cloudcockpit_subscriptions import extract_subscriptions
    from offermap.extract.publish import start_sync
    from offermap.settings import load_cloudcockpit_settings

    records = sandbox.sizes["subscriptions"]
    # The client alone reads the subscriptions; the extraction also names their customers.
    read_alone = {"subscriptions": records}
    extracted = {**read_alone, "customers": sandbox.sizes["customers"]}
    rows: list[dict[str, Any]] = []
    figures: list[dict[str, Any]] = []

    def measured(
        name: str,
        page_size: int,
        client_api_requests: int,
        landed: int,
        lists: dict[str, int],
    ) -> None:
        stats = sandbox.stats()
        count = count_requests(stats, "cloudcockpit", records=lists, page_size=page_size)
        stage = watch.get(name)
        rows.append(
            {
                "run": name,
                "records": landed,
                "requests": count.total,
                "minimum": count.minimum_pages + 1,
                "seconds": round(stage.seconds, 2),
                "records/s": round(landed / stage.seconds) if stage.seconds else "",
                "peak RSS MiB": stage.peak_rss_mib,
                "detail": count.describe(),
            }
        )
        figures.append(
            {
                "run": name,
                "latency_seconds": sandbox.latency_seconds,
                "read": landed,
                "client_api_requests": client_api_requests,
                "seconds": round(stage.seconds, 3),
                "peak_rss_mib": stage.peak_rss_mib,
                "start_rss_mib": stage.start_rss_mib,
                **count.to_dict(),
            }
        )

    for page_size in PAGE_SIZES:
        sandbox.reset()
        name = f"client read, page {page_size}, 0 ms"
        with watch.stage(name):
            read, client_api_requests = _read_only(sandbox, page_size)
        measured(name, page_size, client_api_requests, read, read_alone)
    for latency in (0.0, LATENCY_SECONDS):
        sandbox.set_latency(latency)
        sandbox.reset()
        page_size = load_cloudcockpit_settings().page_size
        name = f"extract into DuckDB, page {page_size}, {latency * 1000:.0f} ms"
        run_id = f"sync-bench-cc-{int(latency * 1000)}"
        db = folder / "extract.duckdb"
        start_sync(db, CONNECTION, run_id)
        with watch.stage(name):
            result = extract_subscriptions(db, CONNECTION, run_id)
        measured(name, page_size, result.requests, result.records, extracted)
    sandbox.set_latency(0.0)
    return rows, figures


def run(*, quick: bool = False) -> BenchReport:
    """Read and land the large tenant's subscriptions (small when quick) at several settings."""
    scale = "small" if quick else "large"
    watch = Stopwatch()
    report = BenchReport(
        name="cloudcockpit",
        title=f"CloudCockpit extraction of the {scale} tenant",
    )
    with SandboxProcess(scale) as sandbox:
        settings = {
            **sandbox.env,
            "CLOUDCOCKPIT_PAGE_SIZE": str(PAGE_SIZES[0]),
            "OFFERMAP_CONNECTION": CONNECTION,
        }
        with isolated_run(settings) as folder:
            rows, extractions = _extraction_rows(sandbox, folder, watch)
    report.rows = rows
    report.notes += [
        "minimum = ceil(subscriptions / page size) pages + 1 token request; an extraction "
        "also reads ceil(customers / page size) pages of the customers' names"
    ]
    report.figures = {
        "scale": scale,
        "extractions": extractions,
        "peak_rss_mib": peak_rss_mib(),
    }
    return report
