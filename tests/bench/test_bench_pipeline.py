"""The pipeline benchmarks run in their quick variants and report consistent figures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from offermap.bench import cloudcockpit as cloudcockpit_bench
from offermap.bench.common import count_requests, minimum_pages
from offermap.bench.report import BenchReport
from offermap.cli.benchmarks import apply_scale as apply_bench
from offermap.cli.benchmarks import cold_demo as demo_bench
from offermap.cli.benchmarks import e2e as e2e_bench
from offermap.cli.benchmarks import sync_flow as sync_bench


def _round_trip(report: BenchReport, folder: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(report.write_json(folder).read_text())
    assert loaded["name"] == report.name
    assert loaded["machine"]["cpus"] >= 1
    return loaded


def test_minimum_pages_is_the_ceiling_and_an_empty_list_still_costs_a_page() -> None:
    assert minimum_pages(50_000, 1000) == 50
    assert minimum_pages(50_001, 1000) == 51
    assert minimum_pages(0, 500) == 1


def test_request_counts_split_pages_from_fixed_calls() -> None:
    stats = {
        "autotask": {
            "requests": {
                "POST Services/query": 1,
                "POST Services/query/next": 9,
                "POST Services/query/count": 1,
                "GET Services/entityInformation/fields": 1,
            }
        }
    }
    count = count_requests(stats, "autotask", records=5000, page_size=500)
    assert (count.pages, count.minimum_pages, count.extra_pages, count.total) == (10, 10, 0, 12)
    assert count.fixed == {
        "POST Services/query/count": 1,
        "GET Services/entityInformation/fields": 1,
    }


def test_request_counts_add_the_customer_pages_to_the_subscription_pages() -> None:
    stats = {
        "cloudcockpit": {
            "requests": {"POST token": 1, "GET v1/subscriptions": 50, "GET v1/customers": 2}
        }
    }
    lists = {"subscriptions": 50_000, "customers": 2_000}
    count = count_requests(stats, "cloudcockpit", records=lists, page_size=1000)
    # The minimum: token + subscription pages + customer pages.
    assert (count.pages, count.minimum_pages, count.extra_pages, count.total) == (52, 52, 0, 53)
    assert count.records == 50_000 and count.fixed == {"POST token": 1}
    assert count.to_dict()["lists"]["customers"] == {
        "records": 2_000,
        "pages": 2,
        "minimum_pages": 2,
    }
    # A customer page read twice is an extra page, not a fixed call.
    stats["cloudcockpit"]["requests"]["GET v1/customers"] = 3
    assert count_requests(stats, "cloudcockpit", records=lists, page_size=1000).extra_pages == 1


def test_demo_stages_cut_at_markers_and_a_missing_marker_merges_into_the_next() -> None:
    lines = [
        # No announcement of a temporary Prefect server (one was already running): its
        # start-up, if any, is counted with the CLI's.
        demo_bench.TimedLine(3.0, "──── offermap demo ────"),
        demo_bench.TimedLine(4.0, "──── 1. sync: read both APIs ────"),
        demo_bench.TimedLine(9.0, "──── 2. review: an analyst approves ────"),
        demo_bench.TimedLine(10.5, "──── 3. apply: check the rules ────"),
        demo_bench.TimedLine(12.0, "──── summary ────"),
        demo_bench.TimedLine(13.0, ""),
    ]
    stages, missing = demo_bench.split_stages(lines)
    assert missing == ["python and CLI start-up"]
    assert dict(stages) == {
        "python and CLI start-up + Prefect start-up": 3.0,
        "sandbox start": 1.0,
        "sync flow": 5.0,
        "review (CLI commands)": 1.5,
        "apply flow": 1.5,
        demo_bench.LAST_STAGE: 1.0,
    }


def test_e2e_quick_reads_each_api_at_the_minimum_and_times_every_stage(tmp_path: Path) -> None:
    report = e2e_bench.run(quick=True)
    figures = _round_trip(report, tmp_path)["figures"]

    for api in ("autotask", "cloudcockpit"):
        requests = figures["requests"][api]
        assert requests["pages"] == requests["minimum_pages"]
        assert requests["requests"] == requests["pages"] + sum(requests["fixed"].values())
    assert figures["requests"]["cloudcockpit"]["fixed"] == {"POST token": 1}
    # The sync names the customers: their list is read once, at its minimum.
    customers = figures["requests"]["cloudcockpit"]["lists"]["customers"]
    assert customers["records"] > 0 and customers["pages"] == customers["minimum_pages"]
    stages = figures["stages"]
    for stage in ("extract", "validate", "publish + derive", "propose", "apply"):
        assert stages[stage]["seconds"] > 0
        assert stages[stage]["peak_rss_mib"] > 0
    local = sum(stages[name]["seconds"] for name in e2e_bench.LOCAL_STAGES)
    assert figures["local_seconds"] == pytest.approx(local, abs=0.01)
    assert figures["approved"] == figures["applied"] + figures["refused"]
    assert figures["approved"] > 0


def test_apply_quick_resolves_every_decision_once_at_each_size(tmp_path: Path) -> None:
    report = apply_bench.run(quick=True)
    figures = _round_trip(report, tmp_path)["figures"]

    assert [row["decisions"] for row in report.rows] == list(apply_bench.QUICK_SIZES)
    for size in apply_bench.QUICK_SIZES:
        outcome = figures["outcomes"][str(size)]
        assert outcome["decisions"] == size
        assert outcome["refused"] == apply_bench.expected_refusals(size)
        assert outcome["applied"] + outcome["refused"] == size
        assert outcome["second_run_decisions"] == 0


def test_cloudcockpit_quick_extracts_every_subscription_at_the_minimum(tmp_path: Path) -> None:
    report = cloudcockpit_bench.run(quick=True)
    figures = _round_trip(report, tmp_path)["figures"]

    extractions = figures["extractions"]
    assert len(extractions) == len(cloudcockpit_bench.PAGE_SIZES) + 2
    for extraction in extractions:
        # Every subscription of the tenant was read, each once.
        assert extraction["read"] == extraction["records"] > 0
        assert extraction["pages"] == extraction["minimum_pages"]
        assert extraction["fixed"] == {"POST token": 1}
        # The client counts API requests only; the emulator also saw the token request.
        assert extraction["client_api_requests"] == extraction["pages"]
    # Landing also names the customers (their pages at the minimum); the client alone does not.
    landed = [e for e in extractions if "customers" in e["lists"]]
    assert len(landed) == 2
    assert all(
        e["lists"]["customers"]["pages"] == e["lists"]["customers"]["minimum_pages"] for e in landed
    )


@pytest.mark.flow
def test_sync_flow_quick_completes_and_reads_each_api_at_the_minimum(
    prefect_harness: None, tmp_path: Path
) -> None:
    report = sync_bench.run(quick=True)
    sync = _round_trip(report, tmp_path)["figures"]["sync"]

    assert sync["extract"]["cloudcockpit"]["records"] > 0
    assert sum(sync["variants_by_status"].values()) > 0
    for api in ("autotask", "cloudcockpit"):
        assert sync["requests"][api]["pages"] == sync["requests"][api]["minimum_pages"]
    assert set(sync["requests"]["cloudcockpit"]["lists"]) == {"subscriptions", "customers"}
    # Every request the flow sent is in the minimum: no page or fixed call twice.
    (row,) = report.rows
    assert row["requests"] == row["minimum"]
    assert all(n == 1 for api in sync["requests"].values() for n in api["fixed"].values())
