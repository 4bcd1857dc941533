"""Schema migrations: numbered SQL files applied once each, in order, each in one transaction."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from importlib import resources

import duckdb

_MIGRATION_FILE = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")


def available_migrations() -> list[tuple[int, str, str]]:
    """Every migration shipped with the package as (version, name, sql), in version order."""
    folder = resources.files("offermap.store").joinpath("sql", "migrations")
    found = []
    for entry in folder.iterdir():
        match = _MIGRATION_FILE.match(entry.name)
        if match:
            found.append((int(match.group(1)), match.group(2), entry.read_text("utf-8")))
    return sorted(found)


def _sql(name: str) -> str:
    return resources.files("offermap.store").joinpath("sql", f"{name}.sql").read_text("utf-8")


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """The highest migration applied to this database (0 for a new one)."""
    if not con.execute(_sql("migrations_table_exists")).fetchall()[0][0]:
        return 0
    return int(con.execute(_sql("migrations_version")).fetchall()[0][0])


def migrate(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply the migrations this database lacks; return the versions applied.

    A migration that fails is rolled back whole, leaving the database at the previous version.
    """
    con.execute(_sql("migrations_table"))
    current = schema_version(con)
    applied = []
    for version, name, script in available_migrations():
        if version <= current:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(script)
            con.execute(
                _sql("migrations_record"),
                {"version": version, "name": name, "now": datetime.now(UTC)},
            )
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")
        applied.append(version)
    return applied
