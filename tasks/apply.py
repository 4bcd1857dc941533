"""Tasks of the apply flow."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from expectations.suites import validate_decisions, warm_up
from offermap.apply.batch import apply_decisions
from tasks.progress import stage


@task(name="apply-decisions", cache_policy=NO_CACHE)
def apply_decisions_task(db_path: str, connection_id: str, run_id: str) -> dict[str, Any]:
    """Check pending decisions against the rules suite and write them in one transaction."""
    with stage("Checking decisions against the rules and applying them"):
        # Load Great Expectations and the rules suite before apply takes the write lock.
        warm_up(["decision_rules"])
        return asdict(
            apply_decisions(db_path, connection_id, run_id, rules_check=validate_decisions)
        )
