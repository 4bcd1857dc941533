"""Artifacts every flow run publishes, so operators see counts and refusals in the Prefect UI."""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE


def _key(*parts: str) -> str:
    # Artifact keys allow lowercase letters, numbers and dashes only.
    return "-".join(p.lower().replace("_", "-") for p in parts)


@task(name="publish-sync-summary", cache_policy=NO_CACHE)
def sync_summary_artifact(connection_id: str, summary: dict[str, Any]) -> None:
    """A markdown summary of a sync: records extracted, requests, variants by status."""
    lines = [f"# Sync of connection `{connection_id}`", "", f"Run `{summary['run_id']}`", ""]
    for source in ("autotask", "cloudcockpit"):
        extract = summary["extract"][source]
        lines.append(f"- {source}: {extract['records']} records in {extract['requests']} requests")
    lines += ["", "## Acquired variants by status", ""]
    lines += [f"- {status}: {count}" for status, count in sorted(summary["variants"].items())]
    lines += ["", "## Matcher", ""]
    lines += [
        f"- {status}: {count}"
        for status, count in sorted(summary["proposals"]["variants_by_status"].items())
    ]
    create_markdown_artifact(key=_key("sync", connection_id), markdown="\n".join(lines))


@task(name="publish-apply-summary", cache_policy=NO_CACHE)
def apply_summary_artifact(connection_id: str, result: dict[str, Any]) -> None:
    """A table of every decision the apply run resolved, with the rule and reason of refusals."""
    rows = [
        {
            "decision": d["decision_id"],
            "outcome": outcome,
            "offer": "/".join(d["variant"]),
            "service": d["service_id"],
            "rule": d.get("rule") or "",
            "reason": d.get("reason") or "",
        }
        for outcome in ("applied", "unchanged", "unmapped", "failed")
        for d in result[outcome]
    ]
    create_table_artifact(
        key=_key("apply", connection_id),
        table=rows
        or [
            {
                "decision": "",
                "outcome": "nothing pending",
                "offer": "",
                "service": "",
                "rule": "",
                "reason": "",
            }
        ],
        description=f"Apply run {result['run_id']}",
    )
