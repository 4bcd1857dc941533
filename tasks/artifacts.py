"""Artifacts every flow run publishes, so operators read counts, checks and decisions in the UI.

Keys are stable per connection (`sync-<connection>-counts`, ...), so the Prefect UI shows each
artifact's history across runs. Tables hold counts and one row per thing; any text that
explains a failure goes in a markdown artifact of its own, whole, never inside a table of
counts. Offers are named by handle and name, services by id and name, and an apply's outcomes
use one word each everywhere: applied, unchanged, unmapped, refused. The row builders are
plain functions; the publishers call them.
"""

from __future__ import annotations

import json
import re
from typing import Any

from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from offermap.review.approvals import list_open_proposals
from offermap.variants import with_handles

# A table artifact is read by people: past this many rows the rest is summarised.
MAX_ARTIFACT_ROWS = 200
MAX_EXAMPLES = 5
# The one word artifacts and messages use for each outcome of an apply -> the key of the
# apply result that lists them. Refused first: they are what an operator has to act on.
APPLY_OUTCOMES = {
    "refused": "failed",
    "applied": "applied",
    "unmapped": "unmapped",
    "unchanged": "unchanged",
}
_NUMPY_REPR = re.compile(r"\bnp\.[a-z]+[0-9]*\(([^()]*)\)")


def artifact_key(*parts: str) -> str:
    """An artifact key: lowercase letters, digits and dashes only, as Prefect requires."""
    return "-".join(p.lower().replace("_", "-") for p in parts)


def plain_text(text: str) -> str:
    """Text for a person: numpy reprs such as `np.float64(-4.5)` read as the number."""
    return _NUMPY_REPR.sub(r"\1", text)


def _publish(key: str, rows: list[dict[str, Any]], empty: dict[str, Any], description: str) -> None:
    # An empty table renders as nothing at all in the UI; one explicit row says "none".
    create_table_artifact(key=key, table=rows or [empty], description=description)


def _block(text: str) -> str:
    """Text shown as it is, in a fenced block that its own backticks cannot close."""
    fence = "```"
    while fence in text:
        fence += "`"
    return f"{fence}text\n{text}\n{fence}"


def sync_count_rows(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """Counts per stage of a sync, as far as it got: every source that was read is counted,
    even when the other failed."""
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
        rows.append(
            {
                "stage": "validate",
                "what": f"{source} expectations failed",
                "count": report["failed"],
            }
        )
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
    return rows


def expectation_rows(reports: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per failed expectation, with its rule and the suite's own reason; one row per
    passing suite."""
    rows = []
    for source, report in sorted(reports.items()):
        if report["success"]:
            rows.append(
                {
                    "source": source,
                    "suite": report["suite"],
                    "outcome": "passed",
                    "rule": "",
                    "reason": f"all {report['evaluated']} expectations held",
                    "column": "",
                    "failing rows": 0,
                    "expectation": "",
                    "examples": "",
                }
            )
        for failed in report["failed"]:
            examples = failed.get("examples", [])[:MAX_EXAMPLES]
            rows.append(
                {
                    "source": source,
                    "suite": report["suite"],
                    "outcome": "failed",
                    "rule": failed.get("rule") or "",
                    "reason": plain_text(str(failed.get("reason") or "")),
                    "column": failed.get("column") or "",
                    "failing rows": failed.get("unexpected_count") or 0,
                    "expectation": failed["expectation_type"],
                    "examples": plain_text(json.dumps(examples, default=str)),
                }
            )
    return rows


def publish_expectations(connection_id: str, run_id: str, reports: dict[str, Any]) -> None:
    """Publish the input suites' results (failures with rule, reason and examples) of a sync."""
    failed = sum(len(r["failed"]) for r in reports.values())
    _publish(
        artifact_key("sync", connection_id, "expectations"),
        expectation_rows(reports),
        {"source": "", "outcome": "no suite ran"},
        f"Input suites of sync run {run_id}: {failed} expectations failed",
    )


def failure_markdown(what: str, stage: str | None, error: str | None, advice: str) -> str:
    """The markdown of a run's failure artifact: where it stopped and its error, whole."""
    if stage is None:
        return f"# {what}: no failure\n\nThe run completed.\n"
    return (
        f"# {what}: failed at {stage}\n\n{advice}\n\n"
        f"{_block(plain_text(error or 'no error text: see the run logs'))}\n"
    )


@task(name="publish-sync-counts", cache_policy=NO_CACHE)
def sync_counts_artifact(
    connection_id: str,
    summary: dict[str, Any],
    failed_stage: str | None = None,
    error: str | None = None,
) -> None:
    """Publish the counts per stage of a sync run, and its failure (if any) as its own block."""
    state = f"failed at {failed_stage}" if failed_stage else "completed"
    run_id = summary.get("run_id")
    _publish(
        artifact_key("sync", connection_id, "counts"),
        sync_count_rows(summary),
        {"stage": "", "what": "nothing ran", "count": 0},
        f"Sync run {run_id} of connection {connection_id}: {state}"
        + (f" (why: sync-{connection_id}-failure)" if failed_stage else ""),
    )
    create_markdown_artifact(
        key=artifact_key("sync", connection_id, "failure"),
        markdown=failure_markdown(
            f"Sync run {run_id}",
            failed_stage,
            error,
            "The last good snapshots were kept. Fix what the error names, then sync again.",
        ),
        description=f"Sync run {run_id} of connection {connection_id}: {state}",
    )


def proposal_rows(proposals: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Open proposals as artifact rows: the offer by handle and name, the proposed service by id
    and name, score and reasons."""
    rows = []
    for p in with_handles(proposals[:MAX_ARTIFACT_ROWS]):
        reasons = json.loads(p["reasons"]) if isinstance(p["reasons"], str) else p["reasons"]
        why = reasons.get("reasons", []) if isinstance(reasons, dict) else []
        rows.append(
            {
                "proposal": p["proposal_id"],
                "offer": p["handle"],
                "offer name": p["offer_name"],
                "rank": p["rank"],
                "service": p["service_id"],
                "service name": p["service_name"],
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


def broken_rules(decision: dict[str, Any]) -> list[str]:
    """Every rule a refused decision breaks, in order (R3 before R10)."""
    found = decision.get("rules") or ([decision["rule"]] if decision.get("rule") else [])
    return sorted(set(found), key=lambda code: int(str(code)[1:]))


def apply_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Every decision an apply run resolved, refused ones first: the offer by handle and name,
    the service by id and name, every rule broken and the reason whole."""
    return [
        {
            "decision": d["decision_id"],
            "outcome": word,
            "offer": d.get("handle") or "/".join(d["variant"]),
            "offer name": d.get("offer_name") or "",
            "service": d.get("service_id") if d.get("service_id") is not None else "",
            "service name": d.get("service_name") or "",
            "rules": ", ".join(broken_rules(d)),
            "reason": plain_text(str(d.get("reason") or "")),
        }
        for word, key in APPLY_OUTCOMES.items()
        for d in result[key]
    ]


def apply_message(result: dict[str, Any]) -> str:
    """What an apply did, in a line: "39 applied, 2 refused (R3, R4)"."""
    parts = []
    for word, key in (("applied", "applied"), ("unmapped", "unmapped"), ("unchanged", "unchanged")):
        if result[key]:
            parts.append(f"{len(result[key])} {word}")
    refused = result["failed"]
    if refused:
        rules = sorted(
            {code for d in refused for code in broken_rules(d)}, key=lambda c: int(c[1:])
        )
        parts.append(f"{len(refused)} refused" + (f" ({', '.join(rules)})" if rules else ""))
    return ", ".join(parts) if parts else "nothing to apply"


def refusals_markdown(result: dict[str, Any]) -> str:
    """Each refused decision in a block of its own, with every rule it breaks and why, whole."""
    refused = result["failed"]
    lines = [f"# Apply run {result['run_id']}: {len(refused)} refused", ""]
    if not refused:
        lines.append("No decision was refused.")
    for d in refused:
        offer = d.get("handle") or "/".join(d["variant"])
        name = f" ({d['offer_name']})" if d.get("offer_name") else ""
        service = d.get("service_id")
        service_name = f" ({d['service_name']})" if d.get("service_name") else ""
        rules = ", ".join(broken_rules(d)) or "no rule named"
        lines += [
            f"## Decision {d['decision_id']}: refused under {rules}",
            "",
            f"Offer `{offer}`{name}, service {service}{service_name}.",
            "",
            _block(plain_text(str(d.get("reason") or "no reason recorded"))),
            "",
        ]
    if refused:
        lines.append(
            "Each is audited as Failed. Fix the pick (`offermap map` another service, or "
            "`offermap reject`) or what the rule names in Autotask, then apply again."
        )
    return "\n".join(lines) + "\n"


@task(name="publish-apply-results", cache_policy=NO_CACHE)
def apply_artifacts(connection_id: str, result: dict[str, Any]) -> None:
    """Publish an apply run's counts, its decisions (refused first) and each refusal's reason."""
    counts = [
        {"stage": "apply", "what": word, "count": len(result[key])}
        for word, key in APPLY_OUTCOMES.items()
    ]
    message = apply_message(result)
    _publish(
        artifact_key("apply", connection_id, "counts"),
        counts,
        {},
        f"Apply run {result['run_id']}: {message}",
    )
    _publish(
        artifact_key("apply", connection_id, "decisions"),
        apply_rows(result),
        {"decision": "", "outcome": "nothing pending", "offer": "", "service": ""},
        f"Decisions resolved by apply run {result['run_id']}, refused first: {message}",
    )
    create_markdown_artifact(
        key=artifact_key("apply", connection_id, "refusals"),
        markdown=refusals_markdown(result),
        description=f"Why apply run {result['run_id']} refused what it refused",
    )


def sync_message(
    summary: dict[str, Any],
    *,
    failed_stage: str | None = None,
    error: BaseException | None = None,
) -> str:
    """What a sync did, in a line: its counts, or "failed at validate: 2 expectations failed"."""
    if failed_stage is not None:
        reports = getattr(error, "reports", None)
        if failed_stage == "validate" and isinstance(reports, dict):
            failed = sum(len(r.get("failed", [])) for r in reports.values())
            return f"failed at validate: {failed} expectations failed"
        text = " ".join(plain_text(str(error or "")).split()) or type(error).__name__
        return f"failed at {failed_stage}: " + (text if len(text) <= 200 else text[:199] + "…")
    extract = summary.get("extract", {})
    services = extract.get("autotask", {}).get("records", 0)
    subscriptions = extract.get("cloudcockpit", {}).get("records", 0)
    unmapped = summary.get("variants", {}).get("unmapped", 0)
    waiting = summary.get("awaiting_review", 0)
    return (
        f"{services} services and {subscriptions} subscriptions read; {unmapped} variants "
        f"unmapped, {waiting} proposals await review"
    )
