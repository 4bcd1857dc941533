"""What every command shares: where the data is, which connection, printing and progress."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from offermap.settings import SettingsError, connection_slug_problem, load_offermap_settings

console = Console()
errors = Console(stderr=True, soft_wrap=True)


def counted(n: int, word: str) -> str:
    """ "1 proposal", "3 proposals": a count and its noun, which takes an s unless n is 1."""
    return f"{n:,} {word}" + ("" if n == 1 else "s")


# Exit status of a command stopped by Ctrl-C (128 + SIGINT), as shells expect.
INTERRUPTED = 130

DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="DuckDB file [env: OFFERMAP_DB, default .offermap/offermap.duckdb]"),
]
ConnectionOption = Annotated[
    str | None,
    typer.Option(
        "--connection", "-c", help="Connection slug [env: OFFERMAP_CONNECTION, default 'default']"
    ),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print JSON for scripts instead of a table.")
]
ActorOption = Annotated[
    str | None,
    typer.Option("--actor", help="Who decides [env: OFFERMAP_ACTOR, default: login name]"),
]
NoteOption = Annotated[str | None, typer.Option("--note", help="Why; kept with the decision.")]
LimitOption = Annotated[
    int | None,
    typer.Option(
        "--limit",
        min=0,
        help="Show at most this many rows (tables: 50 unless given; 0: all).",
    ),
]
SegmentOption = Annotated[
    str | None,
    typer.Option(help="Only this segment: Commercial, Education, Government, NonProfit."),
]
FamilyOption = Annotated[
    str | None,
    typer.Option(help='Only this product family, e.g. "Microsoft 365", "Azure", "Teams".'),
]
CustomerOption = Annotated[
    str | None,
    typer.Option(help="Only variants held by a customer whose name or id contains this."),
]
OffsetOption = Annotated[
    int, typer.Option("--offset", min=0, help="Skip this many rows first (the next page).")
]
CsvOption = Annotated[
    bool,
    typer.Option(
        "--csv",
        help="Print CSV for a spreadsheet instead of a table (cells a spreadsheet would run "
        "as formulas start with ').",
    ),
]
NoPagerOption = Annotated[
    bool,
    typer.Option(
        "--no-pager", help="Never page a long listing [env: OFFERMAP_PAGER or PAGER picks one]."
    ),
]

ProgressReport = Callable[[str, int, int | None], None]


def target(db: Path | None, connection: str | None) -> tuple[Path, str]:
    """The database path and connection id: options win, OFFERMAP_* settings fill in.

    Raises:
        SettingsError: --connection (or OFFERMAP_CONNECTION) is not a connection id; nothing
            has run yet.
    """
    if connection is not None:
        problem = connection_slug_problem(connection)
        if problem:
            raise SettingsError(f"--connection {problem}")
        # OFFERMAP_CONNECTION is not read (nor checked) when --connection overrides it.
        return (db or load_offermap_settings(connection=connection).db, connection)
    settings = load_offermap_settings()
    return (db or settings.db, settings.connection)


def actor(explicit: str | None) -> str:
    """Who is deciding: --actor, else OFFERMAP_ACTOR, else the login name."""
    return explicit or load_offermap_settings().actor


def print_json(payload: Any) -> None:
    """Print JSON to stdout, plain (no colour codes) so scripts can read it."""
    typer.echo(json.dumps(payload, indent=2, default=str))


@contextmanager
def progress_bars() -> Iterator[ProgressReport]:
    """Progress bars on stderr, one per step reported as (what, done, total or None).

    Stderr keeps `--json` output clean; the bars vanish when done (the summary follows).
    When stderr is not a terminal there are no bars at all (rich would still leave a blank
    line behind).
    """
    if not errors.is_terminal:
        yield lambda what, done, total: None
        return
    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=errors,
        transient=True,
    )
    bars: dict[str, TaskID] = {}
    lock = threading.Lock()  # reports come from Prefect's task threads

    def report(what: str, done: int, total: int | None) -> None:
        with lock:
            if what not in bars:
                bars[what] = progress.add_task(what, total=total)
            progress.update(bars[what], completed=done, total=total)

    with progress:
        yield report
