"""A database made by an earlier offermap is read by today's listings (brought up to date first).

The audit's names (migration 003) and the other new columns do not exist in a file written
before them; a reader that only reads must not fail on them with a raw binder error.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
from typer.testing import CliRunner

from offermap.cli import app
from offermap.store.migrations import available_migrations

runner = CliRunner()


def _database_of_an_earlier_version(path: Path, last_version: int) -> None:
    con = duckdb.connect(str(path))
    try:
        for version, name, script in available_migrations():
            if version > last_version:
                continue
            con.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                "name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"
            )
            con.execute(script)
            con.execute(
                "INSERT INTO schema_migrations VALUES ($v, $n, $t)",
                {"v": version, "n": name, "t": datetime.now(UTC)},
            )
        con.execute(
            "INSERT INTO connections VALUES ('default', 'default', NULL, NULL, $t)",
            {"t": datetime.now(UTC)},
        )
    finally:
        con.close()


def test_reading_commands_bring_an_earlier_database_up_to_date(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    _database_of_an_earlier_version(path, last_version=2)
    for command in (["audit"], ["decisions"], ["offers"], ["proposals"], ["health"]):
        result = runner.invoke(app, [*command, "--db", str(path)])
        assert result.exit_code == 0, (command, result.output)
    with duckdb.connect(str(path), read_only=True) as con:
        applied = {
            row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()
        }
    assert applied == {version for version, _, _ in available_migrations()}
