"""Reading what mapping health needs: mappings beside the snapshots, refusals, audit counts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import duckdb

from offermap.errors import InputError
from offermap.store.db import fetch_dicts, sql


def known_connections(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The ids of every connection the database has seen, sorted."""
    return [str(row["connection_id"]) for row in fetch_dicts(con, sql("health_connections"))]


def mapping_facts(con: duckdb.DuckDBPyConnection, connection_id: str) -> list[dict[str, Any]]:
    """Every mapping of the connection with its service and variant as the snapshots have them."""
    return fetch_dicts(con, sql("health_mapping_facts"), {"connection_id": connection_id})


def latest_snapshots(con: duckdb.DuckDBPyConnection, connection_id: str) -> list[dict[str, Any]]:
    """Each source's latest published extraction of the connection (what drift is measured on)."""
    return fetch_dicts(con, sql("health_snapshots"), {"connection_id": connection_id})


def failed_operations(
    con: duckdb.DuckDBPyConnection, connection_id: str, *, since: datetime | None = None
) -> list[dict[str, Any]]:
    """Failed audit rows of the connection, newest first, with rule, reason and names."""
    return fetch_dicts(
        con, sql("health_failed_decisions"), {"connection_id": connection_id, "since": since}
    )


def audit_counts(
    con: duckdb.DuckDBPyConnection,
    connection_id: str,
    *,
    bucket: str,
    since: datetime | None = None,
) -> list[dict[str, Any]]:
    """Audit rows per time bucket (a date_trunc part, checked by the caller), operation, status."""
    return fetch_dicts(
        con,
        sql("health_audit_timeline"),
        {"connection_id": connection_id, "bucket": bucket, "since": since},
    )


class UnknownConnectionError(InputError):
    """The connection was never synced into this database; the message names those that were."""


def unknown_connection_text(connection_id: str, known: list[str]) -> str | None:
    """Why `connection_id` cannot be read among `known`, or None when it is known.

    One line naming the connections the database has and the command that adds one.
    """
    if connection_id in known:
        return None
    if not known:
        return "this offermap database has no connection yet: run `offermap sync` (or `make demo`)"
    return (
        f"no connection {connection_id!r} in this offermap database; it has: "
        f"{', '.join(known)}. Pick one with --connection, or sync a new one with "
        f"`offermap sync --connection {connection_id}`"
    )


def require_connection(con: duckdb.DuckDBPyConnection, connection_id: str) -> None:
    """Refuse a connection the database has never synced, naming the ones it has.

    Raises:
        UnknownConnectionError: the connection is unknown.
    """
    problem = unknown_connection_text(connection_id, known_connections(con))
    if problem:
        raise UnknownConnectionError(problem)
