"""`offermap sync`, `offermap apply` and `offermap demo`: the pipeline, run as Prefect flows."""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table

from offermap.cli.common import (
    ConnectionOption,
    DbOption,
    JsonOption,
    console,
    print_json,
    progress_bars,
    target,
)


def sync(
    db: DbOption = None, connection: ConnectionOption = None, json: JsonOption = False
) -> None:
    """Read both APIs, validate, publish the snapshots, and propose services for unmapped offers.

    Runs the `sync` Prefect flow in this process, with a progress bar per extraction (pages
    of Autotask services and CloudCockpit subscriptions) and per later step. Credentials come
    from the environment or `.env` (see the README). A failed or partial extract never
    replaces the last good snapshot.

    Examples:

      offermap sync

      offermap sync --connection acme --db /data/acme.duckdb --json
    """
    from flows.sync import sync as sync_flow
    from tasks.progress import listening

    db_path, connection_id = target(db, connection)
    with progress_bars() as report, listening(report):
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
    """Check approved decisions against the rules; write the passing mappings and audit rows.

    Runs the `apply` Prefect flow in this process: every pending decision (approvals from
    `offermap approve`, picks from `offermap map`, `offermap unmap`) is checked as one batch
    against the rules suite; passing ones are written with a Succeeded audit row, refused ones
    get a Failed row naming the rule. Running it twice changes nothing the second time.

    Examples:

      offermap apply

      offermap apply --connection acme --json
    """
    from flows.apply import apply as apply_flow
    from tasks.progress import listening

    db_path, connection_id = target(db, connection)
    with progress_bars() as report, listening(report):
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
    """Run the whole round against the sandbox: sync, approve, apply, summary.

    Starts local emulators of Autotask and CloudCockpit on a loopback port, so no credentials
    are needed; the data goes to the connection `demo` in OFFERMAP_DB.

    Example:

      offermap demo
    """
    from offermap.demo import run_demo

    raise typer.Exit(run_demo())
