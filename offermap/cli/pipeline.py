"""`offermap sync`, `offermap apply` and `offermap demo`: the pipeline, run as Prefect flows."""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table

from offermap.cli.common import ConnectionOption, DbOption, JsonOption, console, print_json, target


def sync(
    db: DbOption = None, connection: ConnectionOption = None, json: JsonOption = False
) -> None:
    """Read both APIs, validate, publish the snapshots, and propose services for unmapped offers."""
    from flows.sync import sync as sync_flow

    db_path, connection_id = target(db, connection)
    summary = sync_flow(connection_id=connection_id, db_path=str(db_path))
    if json:
        print_json(summary)
        return
    print_sync_summary(summary)


def print_sync_summary(summary: dict[str, Any]) -> None:
    """Show what a sync did, for people."""
    extract = summary["extract"]
    console.print(
        f"Synced connection [bold]{summary['connection_id']}[/] (run {summary['run_id']}): "
        f"{extract['autotask']['records']} Autotask services, "
        f"{extract['cloudcockpit']['records']} CloudCockpit subscriptions."
    )
    table = Table(title="Acquired offer variants")
    table.add_column("status")
    table.add_column("variants", justify="right")
    for status, count in sorted(summary["variants"].items()):
        table.add_row(status, str(count))
    console.print(table)
    matcher = summary["proposals"]["variants_by_status"]
    console.print(
        f"Matcher: {matcher.get('proposed', 0)} variants with a proposal, "
        f"{matcher.get('abstained', 0)} abstained (no service good enough). "
        "Review them with `offermap proposals`."
    )


def apply(
    db: DbOption = None, connection: ConnectionOption = None, json: JsonOption = False
) -> None:
    """Check approved decisions against the rules; write the passing mappings and audit rows."""
    from flows.apply import apply as apply_flow

    db_path, connection_id = target(db, connection)
    result = apply_flow(connection_id=connection_id, db_path=str(db_path))
    if json:
        print_json(result)
        return
    print_apply_result(result)


def print_apply_result(result: dict[str, Any]) -> None:
    """Show what an apply did, refusals with their rule and reason."""
    total = sum(len(result[k]) for k in ("applied", "unchanged", "failed", "unmapped"))
    if total == 0:
        console.print("Nothing to apply: no approved decision is waiting.")
        return
    console.print(
        f"Applied {len(result['applied'])} mappings, {len(result['unmapped'])} unmaps; "
        f"{len(result['unchanged'])} already in place; {len(result['failed'])} refused "
        f"(run {result['run_id']})."
    )
    if result["failed"]:
        table = Table(title="Refused decisions")
        for column in ("decision", "offer variant", "service", "rule", "reason"):
            table.add_column(column)
        for failed in result["failed"]:
            table.add_row(
                str(failed["decision_id"]),
                " / ".join(failed["variant"]),
                str(failed["service_id"]),
                failed.get("rule") or "",
                failed.get("reason") or "",
            )
        console.print(table)


def demo() -> None:
    """Run the whole round against the sandbox: sync, approve, apply, summary."""
    from offermap.demo import run_demo

    raise typer.Exit(run_demo())
