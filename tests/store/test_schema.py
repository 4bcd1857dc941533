"""The schema: migrations, and the rules the database itself refuses to store (R3, R4)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from offermap.store import StoreBusyError, StoreError, open_store, transaction
from offermap.store.mappings import MAPPING_COLUMNS, insert_mappings
from offermap.store.migrations import available_migrations, migrate, schema_version

NOW = datetime(2026, 11, 24, tzinfo=UTC)
VARIANT = ("offer-a", "Commercial", "OneYear", "Monthly")


def _mapping(
    variant: tuple[str, str, str, str], service_id: int, connection_id: str = "c1"
) -> dict[str, object]:
    offer_id, segment, term, billing_frequency = variant
    row: dict[str, object] = {
        "connection_id": connection_id,
        "offer_id": offer_id,
        "segment": segment,
        "term": term,
        "billing_frequency": billing_frequency,
        "service_id": service_id,
        "decision_id": service_id,
        "mapped_by": "test",
        "mapped_at": NOW,
        "run_id": "run-1",
    }
    assert set(row) == set(MAPPING_COLUMNS)
    return row


def _map(
    con: duckdb.DuckDBPyConnection, variant: tuple[str, str, str, str], service_id: int
) -> None:
    insert_mappings(con, [_mapping(variant, service_id)])


def _mappings(con: duckdb.DuckDBPyConnection) -> int:
    return int(con.execute("SELECT count(*) FROM offer_mappings").fetchall()[0][0])


def test_a_new_database_is_migrated_to_the_latest_version(tmp_path: Path) -> None:
    with open_store(tmp_path / "db.duckdb") as con:
        assert schema_version(con) == available_migrations()[-1][0]
        assert migrate(con) == []  # nothing left to apply the second time


def test_a_reader_refuses_a_missing_database_with_a_hint(tmp_path: Path) -> None:
    with (
        pytest.raises(StoreError, match="offermap sync"),
        open_store(tmp_path / "nope.duckdb", read_only=True),
    ):
        pass


def test_r4_an_offer_variant_maps_once_per_connection(tmp_path: Path) -> None:
    with open_store(tmp_path / "db.duckdb") as con:
        _map(con, VARIANT, 101)
        with pytest.raises(duckdb.ConstraintException):
            _map(con, VARIANT, 102)


def test_r3_a_service_maps_to_only_one_variant_per_connection(tmp_path: Path) -> None:
    with open_store(tmp_path / "db.duckdb") as con:
        _map(con, VARIANT, 101)
        with pytest.raises(duckdb.ConstraintException):
            _map(con, ("offer-a", "Commercial", "OneMonth", "Monthly"), 101)


def test_the_same_service_may_be_mapped_in_two_connections(tmp_path: Path) -> None:
    with open_store(tmp_path / "db.duckdb") as con:
        _map(con, VARIANT, 101)
        insert_mappings(con, [_mapping(VARIANT, 101, connection_id="c2")])
        assert _mappings(con) == 2


def test_a_batch_that_breaks_r3_or_r4_in_one_row_is_refused_whole(tmp_path: Path) -> None:
    other = ("offer-b", "Commercial", "OneYear", "Monthly")
    with open_store(tmp_path / "db.duckdb") as con:
        with pytest.raises(duckdb.ConstraintException):
            insert_mappings(
                con, [_mapping(other, 100), _mapping(VARIANT, 101), _mapping(VARIANT, 102)]
            )
        with pytest.raises(duckdb.ConstraintException):
            insert_mappings(con, [_mapping(other, 100), _mapping(VARIANT, 100)])
        assert _mappings(con) == 0
        assert insert_mappings(con, [_mapping(other, 100), _mapping(VARIANT, 101)]) == 2
        assert insert_mappings(con, []) == 0
        assert _mappings(con) == 2


def test_a_failed_transaction_leaves_nothing_behind(tmp_path: Path) -> None:
    with open_store(tmp_path / "db.duckdb") as con:
        with pytest.raises(duckdb.ConstraintException), transaction(con):
            _map(con, VARIANT, 101)
            _map(con, VARIANT, 102)
        assert _mappings(con) == 0


def test_a_second_writer_waits_then_says_the_database_is_busy(tmp_path: Path) -> None:
    import subprocess
    import sys
    import textwrap

    path = tmp_path / "db.duckdb"
    with open_store(path):
        pass
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
            import duckdb, sys, time
            con = duckdb.connect({str(path)!r})
            print("locked", flush=True)
            time.sleep(30)
        """),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with (
            pytest.raises(StoreBusyError, match="in use by another process"),
            open_store(path, lock_timeout=0.5),
        ):
            pass
    finally:
        holder.kill()
        holder.wait()


def test_nothing_in_the_package_updates_or_deletes_audit_rows() -> None:
    package = Path(__file__).resolve().parents[2] / "offermap"
    offenders = []
    for path in [*package.rglob("*.sql"), *package.rglob("*.py")]:
        text = " ".join(path.read_text().lower().split())
        if "update audit_log" in text or "delete from audit_log" in text:
            offenders.append(path.name)
    assert offenders == []
