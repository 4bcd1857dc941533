"""What a sync or an apply did, printed for people (the commands and the demo share these)."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from offermap.cli.common import console


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
