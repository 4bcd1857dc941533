"""Mapping health: existing mappings re-checked against the latest snapshots, refusals, audit.

A mapping was valid when apply wrote it; Autotask and CloudCockpit keep changing afterwards.
Every function here opens the database read-only (notebooks call them while flows write) and
returns a DataFrame with fixed columns, empty or not, so that callers can always plot it.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from offermap import rules
from offermap.errors import InputError
from offermap.store import open_store
from offermap.store.acquired import known_variants
from offermap.store.health import (
    audit_counts,
    failed_operations,
    known_connections,
    latest_snapshots,
    mapping_facts,
    unknown_connection_text,
)
from offermap.variants import ambiguous_provider_ids, handle_of

if TYPE_CHECKING:  # pandas costs a noticeable import time; the command line reads rows
    import pandas as pd

DRIFT_COLUMNS: tuple[str, ...] = (
    "rule",
    "rule_title",
    "drift",
    "what_changed",
    "action",
    "variant",
    "offer_name",
    "provider_offer_id",
    "offer_id",
    "segment",
    "term",
    "billing_frequency",
    "service_id",
    "service_name",
    "mapped_at",
    "mapped_by",
    "decision_id",
)
FAILED_COLUMNS: tuple[str, ...] = (
    "occurred_at",
    "operation",
    "rule",
    "reason",
    "variant",
    "offer_name",
    "offer_type",
    "service_id",
    "service_name",
    "actor",
    "decision_id",
    "decision_source",
    "run_id",
    "audit_id",
)
TIMELINE_COLUMNS: tuple[str, ...] = ("bucket", "operation", "status", "operations")
SNAPSHOT_COLUMNS: tuple[str, ...] = (
    "source",
    "run_id",
    "started_at",
    "finished_at",
    "records",
    "requests",
    "correlation_id",
)
# date_trunc parts an audit chart can be drawn by; anything else is refused before SQL sees it.
AUDIT_BUCKETS: tuple[str, ...] = ("hour", "day", "week", "month")
NO_RULE = "no rule"


class HealthError(InputError):
    """A health question was asked wrongly (unknown connection, bad bucket); says how to fix."""


@dataclass(frozen=True)
class Drift:
    """One way a mapping no longer satisfies a rule, in words an administrator acts on."""

    rule: str
    drift: str
    what_changed: str
    action: str


def variant_handle(row: Mapping[str, Any]) -> str:
    """`OFFER/SEGMENT/TERM/BILLING` as the command line takes it (provider offer id if known)."""
    offer = row.get("provider_offer_id") or row.get("offer_id") or "?"
    return "/".join(
        str(part) for part in (offer, row["segment"], row["term"], row["billing_frequency"])
    )


def _service_label(facts: Mapping[str, Any]) -> str:
    name = facts.get("service_name")
    return f"service {name!r} ({facts['service_id']})" if name else f"service {facts['service_id']}"


def _money(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "0"
    return f"{float(value):g}"


def _service_drift(facts: Mapping[str, Any]) -> list[Drift]:
    label = _service_label(facts)
    if not facts["service_in_snapshot"]:
        return [
            Drift(
                "R1",
                "service_missing",
                f"{label} is no longer in the latest Autotask snapshot",
                "restore the service in Autotask, or unmap the offer and map another service",
            )
        ]
    # The same rule checks the matcher and the rules suite use, so health never disagrees
    # with what apply would say about the pair today.
    broken = rules.service_violations(
        offer_type=str(facts.get("offer_type") or ""),
        billing_frequency=str(facts["billing_frequency"]),
        service_is_active=bool(facts["service_is_active"]),
        service_period_label=facts.get("service_period_label"),
        service_unit_cost=facts.get("service_unit_cost"),
        service_unit_price=facts.get("service_unit_price"),
    )
    found: list[Drift] = []
    for code, _reason in broken:
        if code == "R2":
            found.append(
                Drift(
                    "R2",
                    "service_deactivated",
                    f"{label} is now inactive in Autotask",
                    "reactivate the service in Autotask, or remap the offer to an active service",
                )
            )
        elif code == "R5":
            needed = rules.required_period_label(str(facts["billing_frequency"]))
            found.append(
                Drift(
                    "R5",
                    "period_changed",
                    f"{label} now bills {facts.get('service_period_label') or 'unknown'}; a "
                    f"{facts['billing_frequency']} offer needs a {needed} service",
                    f"set the service's period back to {needed} in Autotask, or remap the offer",
                )
            )
        elif code == "R6":
            found.append(
                Drift(
                    "R6",
                    "azure_plan_priced",
                    f"{label} now has unit cost {_money(facts.get('service_unit_cost'))} and "
                    f"unit price {_money(facts.get('service_unit_price'))}; an Azure plan needs "
                    "both at 0",
                    "set its unit cost and price back to 0, or remap to a zero-priced service",
                )
            )
    return found


def _variant_drift(facts: Mapping[str, Any]) -> list[Drift]:
    if not facts["variant_acquired"]:
        statuses = facts.get("subscription_statuses")
        what = (
            "no customer holds an Active or Suspended subscription to this variant any more "
            f"(its subscriptions now: {statuses})"
            if statuses
            else "no subscription to this variant is left in the latest CloudCockpit snapshot"
        )
        return [
            Drift(
                "R9",
                "variant_not_acquired",
                what,
                "unmap the offer once its customers have left it for good (offermap unmap)",
            )
        ]
    if facts.get("support_status"):
        rule = str(facts.get("support_rule") or "R5")
        return [
            Drift(
                rule,
                "variant_not_mappable",
                f"the offer is now {facts.get('offer_type')}: {facts.get('support_reason')}",
                "unmap the offer: it can no longer be mapped (offermap unmap)",
            )
        ]
    return []


def check_mapping(facts: Mapping[str, Any]) -> list[Drift]:
    """The drift of one mapping, from its row of facts (see `health_mapping_facts.sql`).

    Returns:
        Every rule the mapping breaks today, service rules (R1, R2, R5, R6) first, then the
        variant's (R9, or R5/R7/R8 when the offer itself became unmappable); empty if healthy.
    """
    return [*_service_drift(facts), *_variant_drift(facts)]


def require_connection(con: duckdb.DuckDBPyConnection, connection_id: str) -> None:
    """Refuse a connection id the database has never synced, naming the ones it has.

    Raises:
        HealthError: the connection is unknown.
    """
    problem = unknown_connection_text(connection_id, known_connections(con))
    if problem:
        raise HealthError(problem)


@contextmanager
def reading(db_path: Path | str, connection_id: str) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the database read-only for one question about a known connection."""
    with open_store(db_path, read_only=True) as con:
        require_connection(con, connection_id)
        yield con


def _rule_order(code: str | None) -> int:
    return int(code[1:]) if code and code[1:].isdigit() else 99


def _drift_rows(
    facts_rows: Sequence[Mapping[str, Any]], ambiguous: frozenset[str] = frozenset()
) -> list[dict[str, Any]]:
    rows = []
    for facts in facts_rows:
        for drift in check_mapping(facts):
            rows.append(
                {
                    **{k: facts.get(k) for k in DRIFT_COLUMNS if k in facts},
                    "rule": drift.rule,
                    "rule_title": rules.RULES_BY_CODE[drift.rule].title,
                    "drift": drift.drift,
                    "what_changed": drift.what_changed,
                    "action": drift.action,
                    "variant": handle_of(facts, ambiguous),
                }
            )
    rows.sort(key=lambda r: (_rule_order(r["rule"]), str(r["offer_name"] or ""), r["variant"]))
    return rows


def drift_rows(con: duckdb.DuckDBPyConnection, connection_id: str) -> list[dict[str, Any]]:
    """Drift of the connection's mappings as plain rows (the columns of DRIFT_COLUMNS).

    For callers that hold the database open and need no DataFrame: the command line marks
    drifted mappings in its listings with these.
    """
    ambiguous = ambiguous_provider_ids(known_variants(con, connection_id))
    return _drift_rows(mapping_facts(con, connection_id), ambiguous)


def mapping_drift(db_path: Path | str, connection_id: str) -> pd.DataFrame:
    """Drift of the connection's mappings: one row per mapping and broken rule (read-only).

    Each row names the mapping (`variant`, offer and service), the rule, what changed and what
    to do. A mapping that breaks two rules has two rows; a healthy one has none.
    """
    import pandas as pd

    with reading(db_path, connection_id) as con:
        rows = drift_rows(con, connection_id)
    return pd.DataFrame(rows, columns=list(DRIFT_COLUMNS))


def health_summary(db_path: Path | str, connection_id: str) -> dict[str, Any]:
    """Counts for the top of a health report: mappings, healthy, drifted, drift rows per rule."""
    with reading(db_path, connection_id) as con:
        facts = mapping_facts(con, connection_id)
        snapshots = latest_snapshots(con, connection_id)
        ambiguous = ambiguous_provider_ids(known_variants(con, connection_id))
    drifts = _drift_rows(facts, ambiguous)
    return summarise_drift(connection_id, len(facts), drifts, snapshots)


def summarise_drift(
    connection_id: str,
    mappings: int,
    drifts: Sequence[Mapping[str, Any]],
    snapshots: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """The counts of `health_summary` from drift rows already read."""
    # Counted by mapping key: two offers may share a provider offer id, hence a handle.
    drifted = {(r["offer_id"], r["segment"], r["term"], r["billing_frequency"]) for r in drifts}
    by_rule: dict[str, int] = {}
    for row in drifts:
        by_rule[row["rule"]] = by_rule.get(row["rule"], 0) + 1
    return {
        "connection_id": connection_id,
        "mappings": mappings,
        "healthy": mappings - len(drifted),
        "drifted": len(drifted),
        "drift_by_rule": dict(sorted(by_rule.items(), key=lambda kv: _rule_order(kv[0]))),
        "snapshots": {str(s["source"]): s["finished_at"] for s in snapshots},
    }


def snapshot_status(db_path: Path | str, connection_id: str) -> pd.DataFrame:
    """Each source's latest published extraction: what the drift was measured against."""
    import pandas as pd

    with reading(db_path, connection_id) as con:
        rows = latest_snapshots(con, connection_id)
    return pd.DataFrame(rows, columns=list(SNAPSHOT_COLUMNS))


def failed_decisions(
    db_path: Path | str, connection_id: str, *, since: datetime | None = None
) -> pd.DataFrame:
    """Refused mapping operations (Failed audit rows), newest first, with rule and reason."""
    import pandas as pd

    with reading(db_path, connection_id) as con:
        rows = failed_operations(con, connection_id, since=since)
    for row in rows:
        row["variant"] = variant_handle(row)
    return pd.DataFrame(rows, columns=list(FAILED_COLUMNS))


def failures_by_rule(failed: pd.DataFrame) -> pd.DataFrame:
    """Count refusals per rule (from `failed_decisions`), in rule order; no rule: unmap refusals."""
    import pandas as pd

    counts: dict[str, int] = {}
    for value in failed["rule"].tolist() if len(failed) else []:
        key = value if isinstance(value, str) and value else NO_RULE
        counts[key] = counts.get(key, 0) + 1
    rows = [
        {
            "rule": code,
            "rule_title": rules.RULES_BY_CODE[code].title if code in rules.RULES_BY_CODE else "",
            "failures": count,
        }
        for code, count in sorted(counts.items(), key=lambda kv: _rule_order(kv[0]))
    ]
    return pd.DataFrame(rows, columns=["rule", "rule_title", "failures"])


def audit_over_time(
    db_path: Path | str,
    connection_id: str,
    *,
    bucket: str = "day",
    since: datetime | None = None,
) -> pd.DataFrame:
    """Audit rows counted per UTC time bucket, operation and status (long form, for plotting).

    Raises:
        HealthError: `bucket` is not one of AUDIT_BUCKETS.
    """
    import pandas as pd

    if bucket not in AUDIT_BUCKETS:
        raise HealthError(f"cannot count audit rows per {bucket!r}: use one of {AUDIT_BUCKETS}")
    with reading(db_path, connection_id) as con:
        rows = audit_counts(con, connection_id, bucket=bucket, since=since)
    return pd.DataFrame(rows, columns=list(TIMELINE_COLUMNS))
