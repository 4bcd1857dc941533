"""The Autotask benchmark runs and its figures agree with each other (no timing is asserted)."""

from __future__ import annotations

from offermap.bench.autotask import QUICK, minimum_requests, run, synthetic_services


def test_minimum_is_the_fixed_calls_plus_one_request_per_500_records() -> None:
    assert minimum_requests(20_000) == 4 + 40
    assert minimum_requests(1_234) == 4 + 3
    assert minimum_requests(0) == 4 + 1  # an empty tenant still takes one page


def test_synthetic_services_have_distinct_ascending_ids() -> None:
    services = synthetic_services(1_500)
    ids = [s["id"] for s in services]
    assert len(ids) == len(set(ids)) == 1_500
    assert ids == sorted(ids)


def test_quick_run_reads_every_record_within_the_cap_and_reports_consistent_figures() -> None:
    report = run(quick=True)

    figures = report.figures
    assert figures["services"] == QUICK.services
    assert figures["minimum_requests"] == minimum_requests(QUICK.services)
    assert [row["read"] for row in report.rows] == ["sequential (sync)", "3 id ranges at once"]
    for row in report.rows:
        assert row["complete"] is True
        assert row["records"] == QUICK.services
        # The client counts every request it sent; the emulator saw exactly those.
        assert row["requests"] == row["emulator_requests"] >= row["minimum"]
        assert row["extra"] == row["requests"] - row["minimum"]
        assert 1 <= row["peak_concurrent"] <= 3
        assert row["thread_refusals"] == 0
        assert row["wall_s"] > 0 and row["records_per_s"] > 0
    sequential, ranged = report.rows
    assert sequential["extra"] == 0  # the sync path spends exactly the minimum
    assert sequential["peak_concurrent"] == 1
    assert ranged["extra"] <= 2  # three ranges: at most one partial page more per extra range
    assert report.machine["cpus"]
