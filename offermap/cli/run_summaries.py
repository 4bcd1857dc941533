"""What a sync or an apply did, printed for people (the commands and the demo share these)."""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from rich.table import Table
from rich.text import Text

from offermap.cli.common import console


def print_sync_summary(summary: dict[str, Any]) -> None:
    """Show what a sync did, for people."""
    extract = summary["extract"]
    console.print(
        f"Synced connection [bold]{escape(str(summary['connection_id']))}[/] "
        f"(run {summary['run_id']}): "
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
    if summary["proposals"].get("catalogue_offers") == 0:
        console.print(
            "No price list imported: the matcher knows only the offers bought and the ones "
            "it ships with. `offermap catalogue import FILE` (Microsoft's NCE price list "
            "export) lets it tell every product and sibling SKU apart."
        )
    print_drift(summary)


def drift_line(db_path: str, connection_id: str) -> str:
    """How many mappings drifted against the snapshots just published, in one line."""
    from offermap.reports.mapping_health import health_summary

    found = health_summary(db_path, connection_id)
    if not found["mappings"]:
        return "Mapping health: no mapping yet."
    if not found["drifted"]:
        return f"Mapping health: all {found['mappings']:,} mappings still hold."
    by_rule = ", ".join(f"{rule}: {n}" for rule, n in found["drift_by_rule"].items())
    return (
        f"Mapping health: {found['drifted']:,} of {found['mappings']:,} mappings drifted "
        f"({by_rule}): `offermap health` says what changed and what to do."
    )


def print_drift(summary: dict[str, Any]) -> None:
    """Say how many mappings drifted, when the sync summary names its database."""
    if summary.get("db_path") and summary.get("connection_id"):
        line = drift_line(str(summary["db_path"]), str(summary["connection_id"]))
        console.print(Text(line, style="bold red" if "drifted" in line else ""))


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
            table.add_column(column, overflow="fold")
        for failed in result["failed"]:
            service = Text(str(failed.get("service_name") or ""))
            if failed.get("service_id") is not None:
                service.append(f" #{failed['service_id']}", style="dim")
            table.add_row(
                str(failed["decision_id"]),
                Text(str(failed.get("handle") or " / ".join(failed["variant"]))),
                service,
                Text(failed.get("rule") or ""),
                Text(failed.get("reason") or ""),
            )
        console.print(table)
