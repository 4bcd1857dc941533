"""A database that cannot be used says so in one line: what is wrong, where, and what to do.

Each case is real: a truncated copy of a real database, a DuckDB file made by another
application, a SQLite file, a folder under a regular file, a read-only file system and a full
disk (both in a private tmpfs, see private_mount.py). Nothing may be written to a file that
is not offermap's.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from offermap.store import StoreError, open_store
from tests.factories import service, subscription
from tests.store.private_mount import run_in_private_mount
from tests.store_helpers import publish_snapshot

TABLES = (
    "connections",
    "extract_runs",
    "at_services",
    "cc_subscriptions",
    "acquired_offers",
    "decisions",
    "proposals",
    "offer_mappings",
    "audit_log",
)


def _one_line(error: BaseException) -> str:
    text = str(error)
    assert "\n" not in text and len(text) < 600, text
    return text


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _read_everything(path: Path, *, read_only: bool) -> None:
    with open_store(path, read_only=read_only) as con:
        for table in TABLES:
            con.execute(f"SELECT * FROM {table}").fetchall()


@pytest.fixture(scope="module")
def real_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A database written by the real staging and publish path, big enough to span blocks."""
    db = tmp_path_factory.mktemp("real") / "offermap.duckdb"
    services = [service(i, f"Service {i} " + "x" * 150) for i in range(1, 12_000)]
    subscriptions = [
        subscription(f"offer-{i}", f"Offer {i}", customer_id=f"c{i % 40}") for i in range(2_000)
    ]
    publish_snapshot(db, "c1", "sync-1", services, subscriptions)
    _read_everything(db, read_only=True)  # whole, it reads
    yield db


# --- a damaged file ------------------------------------------------------------------------


@pytest.mark.parametrize("fraction", [0.5, 0.02], ids=["half", "headers-only"])
@pytest.mark.parametrize("read_only", [False, True], ids=["writer", "reader"])
def test_a_truncated_database_is_called_damaged_with_where_it_is_and_the_way_out(
    real_database: Path, tmp_path: Path, fraction: float, read_only: bool
) -> None:
    # Half: DuckDB opens it and fails on the first table past the cut ("Could not read enough
    # bytes"); a few kilobytes: it fails on opening. Either way one line, not DuckDB's text.
    damaged = tmp_path / "damaged.duckdb"
    shutil.copyfile(real_database, damaged)
    with damaged.open("r+b") as handle:
        handle.truncate(int(real_database.stat().st_size * fraction))
    with pytest.raises(StoreError) as caught:
        _read_everything(damaged, read_only=read_only)
    text = _one_line(caught.value)
    assert "damaged" in text and str(damaged) in text
    assert "restore it from a backup" in text and "move it aside" in text
    assert "Could not read enough bytes" not in text


# --- not offermap's file -------------------------------------------------------------------


def _foreign_duckdb(path: Path) -> None:
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE decisions (id INTEGER, verdict VARCHAR)")
    con.execute("CREATE TABLE invoices (id INTEGER, total DECIMAL(10, 2))")
    con.execute("INSERT INTO decisions VALUES (1, 'keep')")
    con.close()


@pytest.mark.parametrize("read_only", [False, True], ids=["writer", "reader"])
def test_another_applications_duckdb_file_is_refused_before_anything_is_written(
    tmp_path: Path, read_only: bool
) -> None:
    path = tmp_path / "theirs.duckdb"
    _foreign_duckdb(path)
    before = _digest(path)
    with pytest.raises(StoreError) as caught, open_store(path, read_only=read_only):
        pass
    text = _one_line(caught.value)
    assert str(path) in text and "not an offermap database" in text
    assert "decisions" in text and "invoices" in text
    assert "--db" in text and "OFFERMAP_DB" in text
    assert "Table with name" not in text
    # Not a byte changed, and no schema_migrations table left behind.
    assert _digest(path) == before
    assert not Path(f"{path}.wal").exists()
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = {row[0] for row in con.execute("SHOW TABLES").fetchall()}
    finally:
        con.close()
    assert tables == {"decisions", "invoices"}


def test_a_schema_migrations_table_of_another_application_is_not_taken_for_ours(
    tmp_path: Path,
) -> None:
    path = tmp_path / "rails.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE schema_migrations (version VARCHAR PRIMARY KEY)")
    con.execute("INSERT INTO schema_migrations VALUES ('20240101000000')")
    con.close()
    before = _digest(path)
    with pytest.raises(StoreError, match="not an offermap database") as caught, open_store(path):
        pass
    _one_line(caught.value)
    assert _digest(path) == before


@pytest.mark.parametrize("kind", ["sqlite", "text"])
def test_a_file_that_is_not_a_duckdb_database_is_refused_untouched(
    tmp_path: Path, kind: str
) -> None:
    path = tmp_path / "offermap.duckdb"
    if kind == "sqlite":
        lite = sqlite3.connect(path)
        lite.execute("CREATE TABLE notes (body TEXT)")
        lite.commit()
        lite.close()
    else:
        path.write_text("offer,service\n" * 100, encoding="utf-8")
    before = _digest(path)
    for read_only in (False, True):
        with pytest.raises(StoreError) as caught, open_store(path, read_only=read_only):
            pass
        text = _one_line(caught.value)
        assert str(path) in text and "not a DuckDB database" in text
        assert "--db" in text and "OFFERMAP_DB" in text
    assert _digest(path) == before


def test_a_new_duckdb_file_without_tables_becomes_an_offermap_database(tmp_path: Path) -> None:
    path = tmp_path / "empty.duckdb"
    duckdb.connect(str(path)).close()
    with pytest.raises(StoreError, match="no offermap data") as caught:
        _read_everything(path, read_only=True)
    _one_line(caught.value)
    _read_everything(path, read_only=False)
    _read_everything(path, read_only=True)


def test_a_failed_first_migration_leaves_no_bookkeeping_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from offermap.store import migrations

    broken = [(1, "initial", "CREATE TABLE half (a INTEGER); SELECT * FROM no_such_table;")]
    monkeypatch.setattr(migrations, "available_migrations", lambda: broken)
    path = tmp_path / "new.duckdb"
    with pytest.raises(duckdb.CatalogException), open_store(path):
        pass
    con = duckdb.connect(str(path), read_only=True)
    try:
        assert con.execute("SHOW TABLES").fetchall() == []
    finally:
        con.close()


# --- where the file goes -------------------------------------------------------------------


def test_a_writer_creates_the_missing_folders_of_its_database(tmp_path: Path) -> None:
    path = tmp_path / "not" / "yet" / "there" / "offermap.duckdb"
    with pytest.raises(StoreError, match="no offermap database at"):
        _read_everything(path, read_only=True)
    assert not (tmp_path / "not").exists()  # a reader creates nothing
    _read_everything(path, read_only=False)
    assert path.is_file()


def test_a_database_under_a_regular_file_names_the_file_in_the_way(tmp_path: Path) -> None:
    # What a read-only folder is for everyone else: root may write anywhere, but not below a
    # file. The raw error was an OSError traceback.
    blocker = tmp_path / "exports.csv"
    blocker.write_text("a,b\n", encoding="utf-8")
    for path in (blocker / "offermap.duckdb", blocker / "deeper" / "offermap.duckdb"):
        with pytest.raises(StoreError) as caught, open_store(path):
            pass
        text = _one_line(caught.value)
        assert f"{blocker} is a file, not a folder" in text
        assert "--db" in text and "OFFERMAP_DB" in text
    assert blocker.read_text(encoding="utf-8") == "a,b\n"


def test_a_database_on_a_read_only_file_system_says_so(tmp_path: Path) -> None:
    result = run_in_private_mount(
        tmp_path / "ro",
        prepare="""
            (MOUNT / "folder").mkdir()
        """,
        read_only=True,
        code="""
            from offermap.store import StoreError, open_store

            result = {}
            for name, path in {
                "missing folder": MOUNT / "new" / "offermap.duckdb",
                "new file": MOUNT / "folder" / "offermap.duckdb",
            }.items():
                try:
                    with open_store(path):
                        result[name] = "opened"
                except StoreError as exc:
                    result[name] = str(exc)
            print(json.dumps(result))
        """,
    )
    missing, new = result["missing folder"], result["new file"]
    assert "Read-only file system" in missing and "cannot create the folder" in missing
    assert str(tmp_path / "ro" / "new") in missing
    assert "Read-only file system" in new and "cannot write" in new
    for text in (missing, new):
        assert "\n" not in text and "--db" in text and "OFFERMAP_DB" in text


# --- a full disk ---------------------------------------------------------------------------


def test_a_disk_that_fills_during_apply_rolls_back_and_says_the_disk_is_full(
    tmp_path: Path,
) -> None:
    result = run_in_private_mount(
        tmp_path / "small-disk",
        size="24m",
        code="""
            import errno

            from offermap.apply.batch import apply_decisions
            from offermap.apply.rule_check import check_decision_facts
            from offermap.store import StoreError, open_store
            from tests.reliability.decision_data import decide_many, publish_catalogue

            db = MOUNT / "offermap.duckdb"
            catalogue = publish_catalogue(db, "full", 400, 1000)
            decide_many(
                db,
                [
                    ("full", variant, service_id, "approve")
                    for variant, service_id in zip(catalogue.variants, catalogue.services)
                ],
            )

            def counts():
                queries = {
                    "mappings": "SELECT count(*) FROM offer_mappings",
                    "audit": "SELECT count(*) FROM audit_log",
                    "pending": "SELECT count(*) FROM decisions WHERE state = 'pending'",
                }
                with open_store(db, read_only=True) as con:
                    return {k: con.execute(q).fetchall()[0][0] for k, q in queries.items()}

            filler = MOUNT / "filler"
            with filler.open("wb") as handle:
                try:
                    while True:
                        handle.write(bytes(1 << 16))
                        handle.flush()
                except OSError as exc:
                    assert exc.errno == errno.ENOSPC, exc
            result = {}
            try:
                apply_decisions(db, "full", "apply-full", rules_check=check_decision_facts)
                result["error"] = None
            except StoreError as exc:
                result["error"] = str(exc)
            filler.unlink()
            result["after_full"] = counts()
            applied = apply_decisions(db, "full", "apply-again", rules_check=check_decision_facts)
            result["applied_again"] = len(applied.applied)
            result["after_again"] = counts()
            print(json.dumps(result))
        """,
    )
    error = result["error"]
    assert error is not None, "apply succeeded on a full disk"
    assert "\n" not in error and "disk" in error and "full" in error
    assert "nothing of it was written" in error and "free some space" in error
    assert str(tmp_path / "small-disk" / "offermap.duckdb") in error
    assert result["after_full"] == {"mappings": 0, "audit": 0, "pending": 400}
    assert result["applied_again"] == 400
    assert result["after_again"] == {"mappings": 400, "audit": 400, "pending": 0}
