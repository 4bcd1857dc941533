"""Customer names: staged with the subscriptions run, published with it, kept when unread."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from offermap.store import open_store
from offermap.store.customers import CustomerNames, customer_names
from offermap.store.snapshots import (
    begin_sync,
    finish_extract,
    land_customers,
    land_rows,
    publish,
    register_connection,
    start_extract,
)
from tests.factories import service, subscription


def _sync(db: Path, run_id: str, names: dict[str, str | None] | None) -> None:
    """Stage and publish one run; `names` None stands for a customers read that failed."""
    with open_store(db) as con:
        register_connection(con, "c1")
        begin_sync(con, "c1", run_id)
        now = datetime.now(UTC)
        for source, rows in (
            ("autotask", [service(1, "A")]),
            ("cloudcockpit", [subscription("o1", "Offer 1")]),
        ):
            start_extract(con, "c1", run_id, source)  # type: ignore[arg-type]
            land_rows(con, source, "c1", run_id, now, rows)  # type: ignore[arg-type]
            if source == "cloudcockpit" and names is not None:
                rows = [{"customer_id": k, "company_name": v} for k, v in names.items()]
                assert land_customers(con, "c1", run_id, now, rows) == len(rows)
            finish_extract(con, run_id, source, status="landed", records=1, requests=1)  # type: ignore[arg-type]
        publish(con, "c1", run_id)


def _names(db: Path) -> CustomerNames:
    with open_store(db, read_only=True) as con:
        return customer_names(con, "c1")


def test_published_names_replace_the_last_ones_and_unnamed_customers_show_their_id(
    tmp_path: Path,
) -> None:
    db = tmp_path / "db.duckdb"
    _sync(db, "run-1", {"C-1": "Contoso", "c-2": "Fabrikam"})
    _sync(db, "run-2", {"c-1": "Contoso Ltd", "c-3": None})
    names = _names(db)
    # Case does not matter in a GUID; a customer without a name, or gone, shows its id.
    assert names.name("C-1") == "Contoso Ltd"
    assert names.name("c-2") == "c-2"
    assert names.name("c-3") == "c-3"
    with open_store(db, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM stg_cc_customers").fetchall()[0][0] == 0


def test_a_run_whose_customers_read_failed_keeps_the_last_good_names(tmp_path: Path) -> None:
    db = tmp_path / "db.duckdb"
    _sync(db, "run-1", {"c-1": "Contoso"})
    _sync(db, "run-2", None)
    assert _names(db).name("c-1") == "Contoso"


def test_a_failed_run_drops_its_staged_names(tmp_path: Path) -> None:
    db = tmp_path / "db.duckdb"
    _sync(db, "run-1", {"c-1": "Contoso"})
    with open_store(db) as con:
        begin_sync(con, "c1", "run-2")
        start_extract(con, "c1", "run-2", "cloudcockpit")
        land_customers(con, "c1", "run-2", datetime.now(UTC), [{"customer_id": "c-1"}])
        finish_extract(con, "run-2", "cloudcockpit", status="failed", records=0, requests=1)
        assert con.execute("SELECT count(*) FROM stg_cc_customers").fetchall()[0][0] == 0
    assert _names(db).name("c-1") == "Contoso"


def test_named_customers_come_first_in_name_order_then_those_shown_by_id() -> None:
    names = CustomerNames({"a": "beta", "b": "Alpha", "c": "alpha"})
    assert names.ordered(["z-9", "a", "b", "c", "0-1"]) == [
        ("b", "Alpha"),
        ("c", "alpha"),
        ("a", "beta"),
        ("0-1", "0-1"),
        ("z-9", "z-9"),
    ]
