"""What every command shares: where the data is, which connection, how to print."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from offermap.settings import load_offermap_settings

console = Console()
errors = Console(stderr=True, soft_wrap=True)

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


def target(db: Path | None, connection: str | None) -> tuple[Path, str]:
    """The database path and connection id: options win, OFFERMAP_* settings fill in."""
    settings = load_offermap_settings()
    return (db or settings.db, connection or settings.connection)


def actor(explicit: str | None) -> str:
    """Who is deciding: --actor, else OFFERMAP_ACTOR, else the login name."""
    return explicit or load_offermap_settings().actor


def print_json(payload: Any) -> None:
    """Print JSON to stdout, plain (no colour codes) so scripts can read it."""
    typer.echo(json.dumps(payload, indent=2, default=str))
