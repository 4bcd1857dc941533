"""`offermap health`: mappings that no longer hold against the latest snapshots, and what to do."""

from __future__ import annotations

from typing import Any

from rich.text import Text

from offermap.cli.common import (
    ConnectionOption,
    CsvOption,
    DbOption,
    JsonOption,
    LimitOption,
    NoPagerOption,
    OffsetOption,
    console,
    print_json,
    target,
)
from offermap.cli.csv_output import write_csv
from offermap.cli.tables import DEFAULT_LIMIT, Listing, literal, say, show
from offermap.reports.mapping_health import drift_rows, reading, summarise_drift
from offermap.store.health import latest_snapshots, mapping_facts

CSV_COLUMNS: tuple[str, ...] = (
    "handle",
    "rule",
    "rule_title",
    "drift",
    "what_changed",
    "action",
    "offer_name",
    "provider_offer_id",
    "service_id",
    "service_name",
    "mapped_at",
    "mapped_by",
    "decision_id",
    "offer_id",
    "segment",
    "term",
    "billing_frequency",
)
# Drifts that the service's side causes: remapping to another service is one way out.
_SERVICE_SIDE = frozenset({"R1", "R2", "R5", "R6"})


def commands(row: dict[str, Any]) -> str:
    """The commands that act on a drifted mapping."""
    handle = row["handle"]
    if row["rule"] in _SERVICE_SIDE:
        return (
            f'remap: `offermap unmap {handle}`, then `offermap services search "" --offer '
            f"{handle}` and `offermap map {handle} SERVICE_ID`"
        )
    return f"`offermap unmap {handle}`"


def _compact(row: dict[str, Any]) -> list[Text]:
    head = literal(row["rule"], style="bold red")
    head.append("  ")
    head.append(literal(row["handle"]))
    head.append(literal(f"  {row['drift'].replace('_', ' ')}", style="dim"))
    mapped = literal(row["offer_name"] or row["offer_id"])
    mapped.append(" → ")
    mapped.append(literal(row["service_name"] or "(not in the snapshot)"))
    mapped.append(f" #{row['service_id']}", style="dim")
    return [
        head,
        mapped,
        literal(f"what changed: {row['what_changed']}"),
        literal(f"what to do: {row['action']}"),
        literal(commands(row), style="dim"),
    ]


def health_listing(title: str) -> Listing:
    """How `offermap health` shows its rows: blocks, as what changed and what to do are
    sentences with commands in them."""
    return Listing(title, [], _compact, blocks_only=True)


def health(
    limit: LimitOption = None,
    offset: OffsetOption = 0,
    db: DbOption = None,
    connection: ConnectionOption = None,
    json: JsonOption = False,
    csv: CsvOption = False,
    no_pager: NoPagerOption = False,
) -> None:
    """List mappings that no longer hold against the latest snapshots, with what to do.

    A mapping was valid when it was applied; Autotask and CloudCockpit change afterwards. Each
    row names the mapping, the rule it now breaks, what changed (a service deleted (R1) or
    deactivated (R2), its period no longer the offer's billing (R5), an Azure plan's service
    given a price (R6), no customer holding the variant any more (R9)) and what to do, with
    the commands. `--csv` writes them with a handle column: `offermap unmap --from-csv`
    takes the file back.

    Examples:

      offermap health

      offermap health --json

      offermap health --csv > drifted.csv
    """
    db_path, connection_id = target(db, connection)
    with reading(db_path, connection_id) as con:
        rows = drift_rows(con, connection_id)
        mappings = len(mapping_facts(con, connection_id))
        snapshots = latest_snapshots(con, connection_id)
    summary = summarise_drift(connection_id, mappings, rows, snapshots)
    for row in rows:
        row["handle"] = row.pop("variant")
    table = not (json or csv)
    shown = limit if limit is not None else (DEFAULT_LIMIT if table else 0)
    page = rows[offset:][:shown] if shown else rows[offset:]
    if json:
        print_json({"summary": summary, "drift": page})
        return
    if csv:
        write_csv(page, CSV_COLUMNS)
        return
    by_rule = ", ".join(f"{rule}: {n}" for rule, n in summary["drift_by_rule"].items())
    line = literal(
        f"Connection {connection_id}: {summary['mappings']:,} mappings, "
        f"{summary['healthy']:,} healthy, {summary['drifted']:,} drifted"
        + (f" ({by_rule})" if by_rule else "")
        + "."
    )
    console.print(line, style="bold" if summary["drifted"] else "")
    snapshots_line = ", ".join(
        f"{source} {str(at)[:16]}" for source, at in sorted(summary["snapshots"].items())
    )
    if snapshots_line:
        say(console, f"Measured against the latest snapshots: {snapshots_line} (UTC).")
    if not rows:
        say(console, "Every mapping still holds.")
        return
    show(
        console,
        health_listing(f"Drifted mappings of connection {connection_id}"),
        page,
        total=len(rows),
        offset=offset,
        pager=not no_pager,
        after=[
            "Unmap several at once: `offermap health --csv > drifted.csv`, keep the rows to "
            "unmap, then `offermap unmap --from-csv drifted.csv`."
        ],
    )
