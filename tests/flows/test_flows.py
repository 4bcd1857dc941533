"""Real Prefect runs of `sync` and `apply` against the sandbox emulators over loopback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from offermap.review import approvals as review
from offermap.store import open_store
from offermap.store.audit import query_audit

pytestmark = pytest.mark.flow


def _count(db: Path, query: str) -> int:
    with open_store(db, read_only=True) as con:
        return int(con.execute(query).fetchall()[0][0])


def _audit(db: Path) -> list[dict[str, Any]]:
    with open_store(db, read_only=True) as con:
        return query_audit(con, connection_id="flowtest")


def _correlation_ids(db: Path) -> set[str]:
    with open_store(db, read_only=True) as con:
        rows = con.execute(
            "SELECT correlation_id FROM extract_runs WHERE source = 'cloudcockpit'"
        ).fetchall()
    return {row[0] for row in rows}


def _failed_run_errors(db: Path) -> list[str]:
    with open_store(db, read_only=True) as con:
        rows = con.execute("SELECT error FROM extract_runs WHERE status = 'failed'").fetchall()
    return [row[0] for row in rows]


def test_sync_then_apply_maps_approved_proposals_with_audit_rows(
    prefect_harness: None, sandbox: Any, sandbox_env: dict[str, str], tmp_path: Path
) -> None:
    from flows.apply import apply
    from flows.sync import sync

    db = tmp_path / "offermap.duckdb"
    state = sync(connection_id="flowtest", db_path=str(db), return_state=True)
    assert state.is_completed(), state.message
    summary = state.result()

    tenant = sandbox.tenant
    assert summary["extract"]["autotask"]["records"] == len(tenant.autotask_services)
    assert summary["extract"]["cloudcockpit"]["records"] == len(tenant.cc_subscriptions)
    assert _count(db, "SELECT count(*) FROM at_services") == len(tenant.autotask_services)
    assert summary["variants"].get("unmapped", 0) > 0
    assert summary["variants"].get("not_required", 0) >= 1  # Azure reservations (R7)
    assert summary["variants"].get("unsupported", 0) >= 1  # legacy (R8) and triennial (R5)
    assert summary["proposals"]["proposals_written"] > 0

    approved = review.approve(db, "flowtest", min_score=0.0, actor="tester")
    assert approved

    state = apply(connection_id="flowtest", db_path=str(db), return_state=True)
    assert state.is_completed(), state.message
    result = state.result()
    assert len(result["applied"]) + len(result["failed"]) == len(approved)
    assert _count(db, "SELECT count(*) FROM offer_mappings") == len(result["applied"])
    audit = _audit(db)
    assert len(audit) == len(approved)
    assert {row["operation"] for row in audit} == {"Create Connection Offer Mapping"}
    # Audit rows carry the X-Correlation-Id of the CloudCockpit read they were checked against.
    sent = _correlation_ids(db)
    assert len(sent) == 1 and {row["correlation_id"] for row in audit} == sent

    again = apply(connection_id="flowtest", db_path=str(db), return_state=True)
    assert again.is_completed()
    assert sum(len(again.result()[k]) for k in ("applied", "failed", "unchanged", "unmapped")) == 0


def test_a_sync_with_wrong_credentials_fails_and_keeps_the_last_snapshot(
    prefect_harness: None,
    sandbox: Any,
    sandbox_env: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from flows.sync import sync

    db = tmp_path / "offermap.duckdb"
    assert sync(connection_id="flowtest", db_path=str(db), return_state=True).is_completed()
    before = _count(db, "SELECT count(*) FROM at_services")

    monkeypatch.setenv("AUTOTASK_SECRET", "wrong-secret-canary")
    state = sync(connection_id="flowtest", db_path=str(db), return_state=True)
    assert state.is_failed()
    assert _count(db, "SELECT count(*) FROM at_services") == before
    errors = _failed_run_errors(db)
    # The source that did land is failed with the run, and nothing is left in staging.
    assert _count(db, "SELECT count(*) FROM extract_runs WHERE status = 'landed'") == 0
    assert _count(db, "SELECT count(*) FROM stg_cc_subscriptions") == 0
    assert errors and all("wrong-secret-canary" not in (e or "") for e in errors)
