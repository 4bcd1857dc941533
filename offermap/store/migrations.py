"""Schema migrations: numbered SQL files applied once each, in order, each in one transaction.

Numbers are handed out in blocks to whoever writes a migration, so a higher one can ship
before a lower one: every migration a database has not recorded is applied, not only those
above its highest. Two migrations must therefore not depend on each other's order unless
their numbers say so from the start.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Literal

import duckdb

_MIGRATION_FILE = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")


@cache
def available_migrations() -> tuple[tuple[int, str, str], ...]:
    """Every migration shipped with the package as (version, name, sql), in version order.

    Read once per process: every open of the database consults it.
    """
    folder = resources.files("offermap.store").joinpath("sql", "migrations")
    found = []
    for entry in folder.iterdir():
        match = _MIGRATION_FILE.match(entry.name)
        if match:
            found.append((int(match.group(1)), match.group(2), entry.read_text("utf-8")))
    return tuple(sorted(found))


def _sql(name: str) -> str:
    return resources.files("offermap.store").joinpath("sql", f"{name}.sql").read_text("utf-8")


@dataclass(frozen=True)
class SchemaState:
    """What a database file holds, as far as offermap is concerned.

    kind: "empty" (no table: offermap may make it its own), "offermap" (its bookkeeping table
    is offermap's), or "foreign" (tables of another application; offermap must not touch it).
    tables: the tables and views of a foreign file (not listed for the other kinds).
    """

    kind: Literal["empty", "offermap", "foreign"]
    tables: tuple[str, ...]
    applied: dict[int, str]


def inspect_schema(con: duckdb.DuckDBPyConnection) -> SchemaState:
    """Read, without writing anything, whose tables the database holds and what is applied."""
    # The common case first and cheaply: listing a file's tables loads its whole catalogue,
    # which costs tens of milliseconds on every open.
    try:
        rows = con.execute(_sql("migrations_applied")).fetchall()
    except (duckdb.CatalogException, duckdb.BinderException):
        rows = []  # no bookkeeping table, or one of another shape
    # Another application's schema_migrations (Rails keeps VARCHAR versions) is not ours.
    applied = {v: n for v, n in rows if isinstance(v, int) and isinstance(n, str)}
    first_version, first_name, _ = available_migrations()[0]
    if len(applied) == len(rows) and applied.get(first_version) == first_name:
        return SchemaState("offermap", (), applied)
    tables = tuple(row[0] for row in con.execute(_sql("database_tables")).fetchall())
    return SchemaState("foreign" if tables else "empty", tables, {})


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """The highest migration applied to this database (0 for a new one)."""
    return max(inspect_schema(con).applied, default=0)


def migrate(con: duckdb.DuckDBPyConnection, state: SchemaState | None = None) -> list[int]:
    """Apply the migrations this database lacks, in version order; return the versions applied.

    Call it only on an empty or offermap database (`inspect_schema`). A migration that fails
    is rolled back whole, bookkeeping included: a new file whose first migration fails is left
    without any table.

    Args:
        state: what `inspect_schema` just found, to spare reading it again.
    """
    applied = (state or inspect_schema(con)).applied
    done = []
    for version, name, script in available_migrations():
        if version in applied:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(_sql("migrations_table"))
            con.execute(script)
            con.execute(
                _sql("migrations_record"),
                {"version": version, "name": name, "now": datetime.now(UTC)},
            )
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")
        done.append(version)
    return done
