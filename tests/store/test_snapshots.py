"""Staging and publishing: a failed or partial extract never replaces the last good snapshot."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from offermap.extract.publish import publish_snapshots
from offermap.settings import SettingsError
from offermap.store import StoreError, open_store
from offermap.store.snapshots import (
    SnapshotShrinkError,
    begin_sync,
    finish_extract,
    land_rows,
    publish,
    register_connection,
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


# --- a snapshot that shrinks past the operator's limit -------------------------------------


def _stage(
    db: Path, connection_id: str, run_id: str, n_services: int, n_subscriptions: int
) -> None:
    """Land a run of both sources, as the extractions would, without publishing it."""
    with open_store(db) as con:
        register_connection(con, connection_id)
        begin_sync(con, connection_id, run_id)
        now = datetime.now(UTC)
        services = [service(i, f"S{i}") for i in range(1, n_services + 1)]
        subs = [subscription(f"o{i}", f"Offer {i}") for i in range(n_subscriptions)]
        for source, rows in (("autotask", services), ("cloudcockpit", subs)):
            start_extract(con, connection_id, run_id, source)  # type: ignore[arg-type]
            land_rows(con, source, connection_id, run_id, now, rows)  # type: ignore[arg-type]
            finish_extract(con, run_id, source, status="landed", records=len(rows), requests=1)  # type: ignore[arg-type]


def _sizes(db: Path, connection_id: str = "c1") -> tuple[int, int]:
    with open_store(db, read_only=True) as con:
        services = con.execute(
            "SELECT count(*) FROM at_services WHERE connection_id = ?", [connection_id]
        ).fetchall()[0][0]
        subs = con.execute(
            "SELECT count(*) FROM cc_subscriptions WHERE connection_id = ?", [connection_id]
        ).fetchall()[0][0]
    return int(services), int(subs)


def _publish(db: Path, run_id: str, connection_id: str = "c1", **options: Any) -> None:
    with open_store(db) as con:
        publish(con, connection_id, run_id, **options)


def test_a_snapshot_that_would_lose_more_than_half_is_refused_and_the_old_one_stays(
    tmp_path: Path,
) -> None:
    db = tmp_path / "db.duckdb"
    _stage(db, "c1", "run-1", 40, 30)
    _publish(db, "run-1")
    _stage(db, "c1", "run-2", 4, 30)
    with pytest.raises(SnapshotShrinkError) as caught:
        _publish(db, "run-2")
    text = str(caught.value)
    assert "\n" not in text
    assert "Autotask services would go from 40 to 4 (90% gone" in text
    assert "subscriptions" not in text  # they did not shrink
    assert "OFFERMAP_MAX_SNAPSHOT_SHRINK allows 50%" in text
    assert "offermap sync --accept-shrink" in text
    assert caught.value.sizes == {"autotask": (40, 4)}
    assert _sizes(db) == (40, 30)
    with open_store(db, read_only=True) as con:
        assert {r["status"] for r in run_status(con, "run-2").values()} == {"landed"}


def test_an_empty_answer_over_a_full_snapshot_is_a_shrink_of_everything(tmp_path: Path) -> None:
    db = tmp_path / "db.duckdb"
    _stage(db, "c1", "run-1", 10, 150)
    _publish(db, "run-1")
    _stage(db, "c1", "run-2", 1, 0)
    with pytest.raises(SnapshotShrinkError) as caught:
        _publish(db, "run-2")
    text = str(caught.value)
    assert "Autotask services would go from 10 to 1 (90% gone)" in text
    assert "CloudCockpit subscriptions from 150 to 0 (100% gone)" in text
    assert _sizes(db) == (10, 150)


@pytest.mark.parametrize(
    ("before", "after", "limit", "refused"),
    [
        (40, 20, 0.5, False),  # exactly half gone is within "more than half"
        (40, 19, 0.5, True),
        (0, 0, 0.5, False),  # a first sync has nothing to shrink from
        (10, 25, 0.0, False),  # growth is never a shrink
        (40, 30, 0.2, True),  # the operator's stricter limit
        (40, 8, 0.8, False),  # ... or a looser one
        (40, 0, 1.0, False),  # 1 turns the check off
    ],
)
def test_the_shrink_limit_is_the_share_of_records_gone(
    tmp_path: Path, before: int, after: int, limit: float, refused: bool
) -> None:
    db = tmp_path / "db.duckdb"
    _stage(db, "c1", "run-1", before, before)
    _publish(db, "run-1")
    _stage(db, "c1", "run-2", after, before)
    if refused:
        with pytest.raises(SnapshotShrinkError):
            _publish(db, "run-2", max_shrink=limit)
        assert _sizes(db) == (before, before)
    else:
        _publish(db, "run-2", max_shrink=limit)
        assert _sizes(db) == (after, before)


def test_an_operator_accepts_a_real_shrink_explicitly(tmp_path: Path) -> None:
    db = tmp_path / "db.duckdb"
    _stage(db, "c1", "run-1", 40, 30)
    _publish(db, "run-1")
    _stage(db, "c1", "run-2", 4, 0)
    _publish(db, "run-2", accept_shrink=True)
    assert _sizes(db) == (4, 0)


def test_the_shrink_is_measured_per_connection(tmp_path: Path) -> None:
    db = tmp_path / "db.duckdb"
    _stage(db, "big", "run-big", 100, 100)
    _publish(db, "run-big", connection_id="big")
    _stage(db, "c1", "run-1", 10, 10)
    _publish(db, "run-1")
    _stage(db, "c1", "run-2", 6, 6)
    _publish(db, "run-2")
    assert _sizes(db) == (6, 6) and _sizes(db, "big") == (100, 100)


def test_a_refused_publish_fails_the_run_saying_why_and_drops_its_staging(tmp_path: Path) -> None:
    db = tmp_path / "db.duckdb"
    _stage(db, "c1", "run-1", 40, 30)
    publish_snapshots(db, "c1", "run-1")
    _stage(db, "c1", "run-2", 4, 30)
    with pytest.raises(SnapshotShrinkError) as caught:
        publish_snapshots(db, "c1", "run-2")
    assert _sizes(db) == (40, 30)
    with open_store(db, read_only=True) as con:
        runs = run_status(con, "run-2")
        staged = con.execute("SELECT count(*) FROM stg_at_services").fetchall()[0][0]
    assert {row["status"] for row in runs.values()} == {"failed"}
    assert all(row["error"] == str(caught.value) for row in runs.values())
    assert staged == 0


def test_the_limit_is_the_operators_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "db.duckdb"
    _stage(db, "c1", "run-1", 30, 30)
    publish_snapshots(db, "c1", "run-1")
    _stage(db, "c1", "run-2", 10, 30)
    monkeypatch.setenv("OFFERMAP_MAX_SNAPSHOT_SHRINK", "0.7")
    publish_snapshots(db, "c1", "run-2")
    assert _sizes(db) == (10, 30)

    _stage(db, "c1", "run-3", 8, 30)
    monkeypatch.setenv("OFFERMAP_MAX_SNAPSHOT_SHRINK", "0.1")
    with pytest.raises(SnapshotShrinkError, match="OFFERMAP_MAX_SNAPSHOT_SHRINK allows 10%"):
        publish_snapshots(db, "c1", "run-3")

    monkeypatch.setenv("OFFERMAP_MAX_SNAPSHOT_SHRINK", "half")
    with pytest.raises(SettingsError, match="OFFERMAP_MAX_SNAPSHOT_SHRINK"):
        publish_snapshots(db, "c1", "run-3")
    monkeypatch.setenv("OFFERMAP_MAX_SNAPSHOT_SHRINK", "1.5")
    with pytest.raises(SettingsError, match="OFFERMAP_MAX_SNAPSHOT_SHRINK"):
        publish_snapshots(db, "c1", "run-3")
