"""`offermap bench` prints its figures readably at 80 columns as at 200."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from offermap.bench.report import BenchReport
from offermap.cli import bench


def _report() -> BenchReport:
    report = BenchReport(name="wide", title="A wide benchmark")
    report.rows = [
        {
            "run": "extract into DuckDB, page 1000, 80 ms",
            "records": 50_000,
            "requests": 53,
            "minimum": 53,
            "seconds": 11.18,
            "records/s": 4471,
            "peak RSS MiB": 219.0,
            "detail": "53 requests = 52 pages (minimum 50 for 50000 subscriptions + 2 for "
            "2000 customers at 1000 a page) + 1 fixed (POST token 1)",
        }
    ]
    report.notes = ["a note naming [bold]a path[/bold] as it is"]
    return report


def _printed(report: BenchReport, columns: int, monkeypatch: pytest.MonkeyPatch) -> str:
    """What `offermap bench` prints for the report on a terminal this wide."""
    out = io.StringIO()
    monkeypatch.setattr(bench, "console", Console(file=out, width=columns))
    bench._show(report)
    return out.getvalue()


@pytest.mark.parametrize("columns", [80, 200])
def test_every_figure_is_whole_on_one_line_at_any_width(
    columns: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    printed = _printed(_report(), columns, monkeypatch)
    lines = printed.splitlines()
    assert all(len(line) <= columns for line in lines)
    # Too wide for a table even at 200 columns (its detail alone is 130 characters): a block
    # per row, each figure whole on its line.
    assert "- extract into DuckDB, page 1000, 80 ms" in lines
    assert "    seconds: 11.18" in lines and "    records/s: 4471" in lines
    assert any(line.startswith("    detail: 53 requests = 52 pages") for line in lines)
    assert "[bold]a path[/bold]" in printed  # notes are printed literally


def test_a_table_that_fits_is_printed_as_a_table(monkeypatch: pytest.MonkeyPatch) -> None:
    report = _report()
    report.rows = [{k: v for k, v in row.items() if k != "detail"} for row in report.rows]
    lines = _printed(report, 200, monkeypatch).splitlines()
    header = next(line for line in lines if "┃ run" in line)
    assert "seconds" in header and "records/s" in header
    assert any("extract into DuckDB, page 1000, 80 ms" in line for line in lines)
