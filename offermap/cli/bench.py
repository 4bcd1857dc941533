"""`offermap bench`: run benchmarks, print their figures as tables and write them as JSON."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Annotated

import typer
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from offermap.bench.report import BenchReport
from offermap.cli.common import console, errors

DEFAULT_OUT = Path(".offermap/bench")
# Name -> module, imported only when run. Each module has `run(*, quick: bool = False) ->
# BenchReport`; `quick` is a smaller variant for smoke tests of the benchmark code itself
# (its figures mean nothing).
BENCHMARKS: dict[str, str] = {
    "autotask": "offermap.bench.autotask",
    "cloudcockpit": "offermap.bench.cloudcockpit",
    "matcher": "offermap.bench.matcher",
    "sync": "offermap.cli.benchmarks.sync_flow",
    "e2e": "offermap.cli.benchmarks.e2e",
    "apply": "offermap.cli.benchmarks.apply_scale",
    "demo": "offermap.cli.benchmarks.cold_demo",
    "cli": "offermap.cli.benchmarks.interactive",
}


def _show(report: BenchReport) -> None:
    """Print a report: a table where it fits the terminal, else one block per row."""
    columns = list(dict.fromkeys(key for row in report.rows for key in row))
    table = Table(title=report.title)
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in report.rows:
        table.add_row(*(str(row.get(column, "")) for column in columns))
    # Measured unconstrained: the table's natural width, not the width it would be squeezed to.
    natural = Measurement.get(console, console.options.update_width(10_000), table).maximum
    if natural <= console.width:
        console.print(table)
    else:
        # Squeezed into narrow columns every cell folds into a column of fragments: a block
        # per row, a figure per line, reads at 80 columns.
        console.print(Text(report.title, style="bold"))
        for row in report.rows:
            first, *rest = columns
            console.print(Text(f"- {row.get(first, '')}", style="bold"))
            for column in rest:
                console.print(Text(f"    {column}: {row.get(column, '')}"))
    for note in report.notes:
        console.print(Text(f"  {note}"))
    machine = report.machine
    console.print(
        Text(
            f"  machine: {machine.get('cpus')} CPUs, {machine.get('memory_gib')} GiB, "
            f"Python {machine.get('python')}, {machine.get('platform')}",
            style="dim",
        )
    )


def bench(
    name: Annotated[str, typer.Argument(help=f"One of: all, {', '.join(BENCHMARKS)}")] = "all",
    quick: Annotated[
        bool, typer.Option("--quick", help="A small variant that checks the benchmark runs.")
    ] = False,
    out: Annotated[Path, typer.Option("--out", help="Folder for the JSON reports.")] = DEFAULT_OUT,
    price_list: Annotated[
        Path | None,
        typer.Option(
            "--price-list",
            help="matcher: the distributor price list of the real-catalogue scenario "
            "[default: ../shared/data/ingram_co_nce_2026_03.csv]",
        ),
    ] = None,
    baseline: Annotated[
        Path | None,
        typer.Option(
            "--baseline",
            help="matcher: a folder holding an earlier checkout's offermap package, whose "
            "matcher is timed on xl in the same run",
        ),
    ] = None,
) -> None:
    """Run a benchmark (or all of them), print its figures and write `<out>/<name>.json`."""
    names = list(BENCHMARKS) if name == "all" else [name]
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        errors.print(f"unknown benchmark {unknown[0]!r}: use one of all, {', '.join(BENCHMARKS)}")
        raise typer.Exit(2)
    for bench_name in names:
        module = importlib.import_module(BENCHMARKS[bench_name])
        matcher = bench_name == "matcher"
        options = {"price_list": price_list, "baseline": baseline} if matcher else {}
        report: BenchReport = module.run(quick=quick, **options)
        _show(report)
        console.print(f"  [dim]written to {report.write_json(out)}[/]")
