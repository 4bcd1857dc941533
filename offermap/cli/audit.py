"""`offermap audit`: every mapping operation, Succeeded or Failed, with its details."""

from __future__ import annotations

import json as jsonlib
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from offermap.cli.common import JsonOption, console, print_json
from offermap.reports.audit_log import read_audit
from offermap.settings import load_offermap_settings


def _verdict_summary(details: dict[str, Any]) -> str:
    verdicts = details.get("verdicts") or {}
    if verdicts and all(v == "passed" for v in verdicts.values()):
        return f"{', '.join(verdicts)}: all passed"
    return jsonlib.dumps(verdicts)[:80]


def audit(
    operation: Annotated[
        str | None,
        typer.Option(
            help='e.g. "Create Connection Offer Mapping" or "Delete Connection Offer Mapping"'
        ),
    ] = None,
    status: Annotated[str | None, typer.Option(help="Succeeded or Failed")] = None,
    connection: Annotated[
        str | None, typer.Option("--connection", "-c", help="Only this connection (default: all)")
    ] = None,
    limit: Annotated[int | None, typer.Option(help="At most this many rows, newest first")] = None,
    db: Annotated[Path | None, typer.Option("--db", help="DuckDB file [env: OFFERMAP_DB]")] = None,
    json: JsonOption = False,
) -> None:
    """Show the audit log, newest first."""
    db_path = db or load_offermap_settings().db
    rows = read_audit(
        db_path, connection_id=connection, operation=operation, status=status, limit=limit
    )
    if json:
        print_json(rows)
        return
    if not rows:
        console.print("No audit rows match.")
        return
    table = Table(title="Audit log")
    for column in (
        "when (UTC)",
        "operation",
        "status",
        "connection",
        "offer variant",
        "service",
        "details",
    ):
        table.add_column(column, overflow="fold")
    for row in rows:
        details = row["details"]
        detail = details.get("reason") or details.get("note") or ""
        style = "red" if row["status"] == "Failed" else "green"
        table.add_row(
            row["occurred_at"][:19].replace("T", " "),
            row["operation"],
            f"[{style}]{row['status']}[/]",
            row["connection_id"],
            " / ".join(str(row[k]) for k in ("offer_id", "segment", "term", "billing_frequency")),
            str(row["service_id"]),
            detail or _verdict_summary(details),
        )
    console.print(table)
