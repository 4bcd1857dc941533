"""Staging and publishing: a failed or partial extract never replaces the last good snapshot."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from offermap.store import StoreError, open_store
from offermap.store.snapshots import (
    begin_sync,
    finish_extract,
    land_rows,
    publish,
    run_status,
    start_extract,
)
from tests.factories import service, subscription
from tests.store_helpers import publish_snapshot


def _services(con_path: Path) -> list[tuple[int, str]]:
    with open_store(con_path, read_only=True) as con:
        return [
            tuple(r)
            for r in con.execute("SELECT service_id, name FROM at_services ORDER BY 1").fetchall()
        ]  # type: ignore[misc]


def test_publish_replaces_both_snapshots_with_the_runs_rows(tmp_path: Path) -> None:
    db = tmp_path / "db.duckdb"
    publish_snapshot(
        db, "c1", "run-1", [service(1, "A"), service(2, "B")], [subscription("o1", "Offer 1")]
    )
    publish_snapshot(db, "c1", "run-2", [service(3, "C")], [subscription("o2", "Offer 2")])
    assert _services(db) == [(3, "C")]
    with open_store(db, read_only=True) as con:
        assert con.execute("SELECT offer_id FROM cc_subscriptions").fetchall() == [("o2",)]
        assert con.execute("SELECT count(*) FROM stg_at_services").fetchall()[0][0] == 0
        assert run_status(con, "run-2")["autotask"]["status"] == "published"


def test_a_run_with_a_failed_source_cannot_be_published_and_the_old_snapshot_stays(
    tmp_path: Path,
) -> None:
    db = tmp_path / "db.duckdb"
    publish_snapshot(db, "c1", "run-1", [service(1, "A")], [subscription("o1", "Offer 1")])
    with open_store(db) as con:
        begin_sync(con, "c1", "run-2")
        now = datetime.now(UTC)
        start_extract(con, "c1", "run-2", "autotask")
        land_rows(con, "autotask", "c1", "run-2", now, [service(9, "half")])
        finish_extract(con, "run-2", "autotask", status="landed", records=1, requests=1)
        start_extract(con, "c1", "run-2", "cloudcockpit")
        finish_extract(
            con, "run-2", "cloudcockpit", status="failed", records=0, requests=3, error="boom"
        )
        with pytest.raises(StoreError, match="cloudcockpit is failed"):
            publish(con, "c1", "run-2")
    assert _services(db) == [(1, "A")]


def test_a_new_sync_drops_what_a_crashed_run_staged(tmp_path: Path) -> None:
    db = tmp_path / "db.duckdb"
    with open_store(db) as con:
        begin_sync(con, "c1", "run-crashed")
        start_extract(con, "c1", "run-crashed", "autotask")
        land_rows(con, "autotask", "c1", "run-crashed", datetime.now(UTC), [service(1, "A")])
        begin_sync(con, "c1", "run-next")
        assert con.execute("SELECT count(*) FROM stg_at_services").fetchall()[0][0] == 0
        crashed = run_status(con, "run-crashed")["autotask"]
        assert crashed["status"] == "failed" and "superseded by run run-next" in crashed["error"]


def test_snapshots_of_two_connections_do_not_touch_each_other(tmp_path: Path) -> None:
    db = tmp_path / "db.duckdb"
    publish_snapshot(db, "c1", "run-1", [service(1, "A")], [subscription("o1", "Offer 1")])
    publish_snapshot(db, "c2", "run-2", [service(1, "Other")], [subscription("o9", "Offer 9")])
    with open_store(db, read_only=True) as con:
        rows = con.execute("SELECT connection_id, name FROM at_services ORDER BY 1").fetchall()
    assert rows == [("c1", "A"), ("c2", "Other")]
