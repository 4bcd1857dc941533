"""Artifacts every flow run publishes, so operators see counts, checks and decisions in the UI.

Keys are stable per connection (`sync-<connection>-counts`, ...), so the Prefect UI shows each
artifact's history across runs. The row builders are plain functions; the publishers call them.
"""

from __future__ import annotations

import json
from typing import Any

from prefect import task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE

from offermap.review.approvals import list_open_proposals

# A table artifact is read by people: past this many rows the rest is summarised.
MAX_ARTIFACT_ROWS = 200
MAX_EXAMPLES = 5


def artifact_key(*parts: str) -> str:
    """An artifact key: lowercase letters, digits and dashes only, as Prefect requires."""
    return "-".join(p.lower().replace("_", "-") for p in parts)


def _publish(key: str, rows: list[dict[str, Any]], empty: dict[str, Any], description: str) -> None:
    # An empty table renders as nothing at all in the UI; one explicit row says "none".
    create_table_artifact(key=key, table=rows or [empty], description=description)


def sync_count_rows(
    summary: dict[str, Any], *, failed_stage: str | None = None, error: str | None = None
) -> list[dict[str, Any]]:
    """Counts per stage of a sync, as far as it got: extraction, validation, variants, matcher."""
    rows: list[dict[str, Any]] = []
    for source, extract in sorted(summary.get("extract", {}).items()):
        rows.append({"stage": "extract", "what": f"{source} records", "count": extract["records"]})
        rows.append(
            {"stage": "extract", "what": f"{source} requests", "count": extract["requests"]}
        )
    for source, report in sorted(summary.get("validation", {}).items()):
        rows.append(
            {"stage": "validate", "what": f"{source} expectations", "count": report["evaluated"]}
        )
        rows.append({"stage": "validate", "what": f"{source} failed", "count": report["failed"]})
    if "variants" in summary:
        rows.append({"stage": "publish", "what": "snapshots published", "count": 2})
        for status, count in sorted(summary["variants"].items()):
            rows.append({"stage": "acquired variants", "what": status, "count": count})
    proposals = summary.get("proposals")
    if proposals:
        for status, count in sorted(proposals["variants_by_status"].items()):
            rows.append({"stage": "matcher", "what": f"variants {status}", "count": count})
        rows.append(
            {
                "stage": "matcher",
                "what": "proposals written",
                "count": proposals["proposals_written"],
            }
        )
    if failed_stage:
        rows.append(
            {"stage": failed_stage, "what": f"FAILED: {error or 'see the logs'}", "count": 0}
        )
    return rows


def expectation_rows(reports: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per failed expectation with examples of failing rows; one row per passing suite."""
    rows = []
    for source, report in sorted(reports.items()):
        if report["success"]:
            rows.append(
                {
                    "source": source,
                    "suite": report["suite"],
                    "outcome": "passed",
                    "expectation": f"all {report['evaluated']} expectations",
                    "column": "",
                    "rule": "",
                    "failing rows": 0,
                    "examples": "",
                }
            )
        for failed in report["failed"]:
            rows.append(
                {
                    "source": source,
                    "suite": report["suite"],
                    "outcome": "failed",
                    "expectation": failed["expectation_type"],
                    "column": failed.get("column") or "",
                    "rule": failed.get("rule") or "",
                    "failing rows": failed.get("unexpected_count") or 0,
                    "examples": json.dumps(failed.get("examples", [])[:MAX_EXAMPLES], default=str),
                }
            )
    return rows


def publish_expectations(connection_id: str, run_id: str, reports: dict[str, Any]) -> None:
    """Publish the input suites' results (failures with examples) of a sync run."""
    failed = sum(len(r["failed"]) for r in reports.values())
    _publish(
        artifact_key("sync", connection_id, "expectations"),
        expectation_rows(reports),
        {"source": "", "outcome": "no suite ran"},
        f"Input suites of sync run {run_id}: {failed} expectations failed",
    )


@task(name="publish-sync-counts", cache_policy=NO_CACHE)
def sync_counts_artifact(
    connection_id: str,
    summary: dict[str, Any],
    failed_stage: str | None = None,
    error: str | None = None,
) -> None:
    """Publish the counts per stage of a sync run (and where it stopped, if it failed)."""
    state = f"failed at {failed_stage}" if failed_stage else "completed"
    _publish(
        artifact_key("sync", connection_id, "counts"),
        sync_count_rows(summary, failed_stage=failed_stage, error=error),
        {"stage": "", "what": "nothing ran", "count": 0},
        f"Sync run {summary.get('run_id')} of connection {connection_id}: {state}",
    )


def proposal_rows(proposals: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Open proposals as artifact rows: the offer, the proposed service, score and reasons."""
    rows = []
    for p in proposals[:MAX_ARTIFACT_ROWS]:
        reasons = json.loads(p["reasons"]) if isinstance(p["reasons"], str) else p["reasons"]
        why = reasons.get("reasons", []) if isinstance(reasons, dict) else []
        rows.append(
            {
                "proposal": p["proposal_id"],
                "offer": p["offer_name"],
                "provider offer id": p["provider_offer_id"] or "",
                "variant": f"{p['segment']}/{p['term']}/{p['billing_frequency']}",
                "rank": p["rank"],
                "service": f"{p['service_name']} #{p['service_id']}",
                "score": round(float(p["score"]), 3),
                "why": "; ".join(why[:2]),
            }
        )
    return rows


@task(name="publish-proposals", cache_policy=NO_CACHE)
def proposals_artifact(db_path: str, connection_id: str, run_id: str) -> int:
    """Publish the proposals awaiting review; returns how many there are."""
    proposals = list_open_proposals(db_path, connection_id)
    shown = min(len(proposals), MAX_ARTIFACT_ROWS)
    _publish(
        artifact_key("sync", connection_id, "proposals"),
        proposal_rows(proposals),
        {"proposal": "", "offer": "no proposal awaits review"},
        f"{len(proposals)} proposals await review after sync run {run_id} (showing {shown}); "
        "decide with `offermap approve` / `offermap reject` or the review notebook",
    )
    return len(proposals)


def apply_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Every decision an apply run resolved: applied, unchanged, unmapped, or refused and why."""
    return [
        {
            "decision": d["decision_id"],
            "outcome": "refused" if outcome == "failed" else outcome,
            "offer": "/".join(d["variant"]),
            "service": d["service_id"],
            "rule": d.get("rule") or "",
            "reason": d.get("reason") or "",
        }
        for outcome in ("applied", "unchanged", "unmapped", "failed")
        for d in result[outcome]
    ]


@task(name="publish-apply-results", cache_policy=NO_CACHE)
def apply_artifacts(connection_id: str, result: dict[str, Any]) -> None:
    """Publish an apply run's counts and its mappings applied and refused (with rule and reason)."""
    counts = [
        {"stage": "apply", "what": outcome, "count": len(result[outcome])}
        for outcome in ("applied", "unchanged", "unmapped", "failed")
    ]
    rules = sorted({d["rule"] for d in result["failed"] if d.get("rule")})
    _publish(
        artifact_key("apply", connection_id, "counts"),
        counts,
        {},
        f"Apply run {result['run_id']}: rules suite refused {len(result['failed'])} decisions"
        + (f" under {', '.join(rules)}" if rules else ""),
    )
    _publish(
        artifact_key("apply", connection_id, "decisions"),
        apply_rows(result),
        {"decision": "", "outcome": "nothing pending", "offer": "", "service": ""},
        f"Mappings applied and refused by apply run {result['run_id']}",
    )
