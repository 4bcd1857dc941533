"""Acquired offer variants: derived from the subscriptions snapshot, read with mapping status."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import duckdb

from offermap import rules
from offermap.store.customers import customer_names
from offermap.store.db import fetch_dicts, run_script, sql, transaction


def derive_acquired_offers(con: duckdb.DuckDBPyConnection, connection_id: str, run_id: str) -> int:
    """Rebuild the connection's acquired variants from its published subscriptions.

    Returns:
        How many acquired variants the connection now has.
    """
    params = {
        "connection_id": connection_id,
        "run_id": run_id,
        "now": datetime.now(UTC),
        "acquired_statuses": sorted(rules.ACQUIRED_SUBSCRIPTION_STATUSES),
        "not_required_types": sorted(rules.NOT_REQUIRED_OFFER_TYPES),
        "unsupported_types": sorted(rules.UNSUPPORTED_OFFER_TYPES),
        "supported_billing": sorted(rules.SUPPORTED_BILLING_FREQUENCIES),
        "r7_reason": rules.RULES_BY_CODE["R7"].user_text,
        "r8_reason": rules.RULES_BY_CODE["R8"].user_text,
    }
    with transaction(con):
        run_script(con, "derive_acquired_offers", params)
    count = con.execute(sql("acquired_count"), {"connection_id": connection_id}).fetchall()
    return int(count[0][0])


def acquired_offers(con: duckdb.DuckDBPyConnection, connection_id: str) -> list[dict[str, Any]]:
    """Every acquired variant of the connection with mapping_status and the mapped service."""
    return fetch_dicts(con, sql("acquired_offer_status"), {"connection_id": connection_id})


def status_counts(con: duckdb.DuckDBPyConnection, connection_id: str) -> dict[str, int]:
    """How many acquired variants of the connection are in each mapping status."""
    rows = fetch_dicts(con, sql("acquired_status_counts"), {"connection_id": connection_id})
    return {row["mapping_status"]: int(row["variants"]) for row in rows}


def known_variants(con: duckdb.DuckDBPyConnection, connection_id: str) -> list[dict[str, Any]]:
    """Acquired variants, and mapped ones nobody holds any more (`acquired` tells them apart)."""
    return fetch_dicts(con, sql("known_variants"), {"connection_id": connection_id})


def variant_customers(
    con: duckdb.DuckDBPyConnection, connection_id: str
) -> dict[tuple[str, str, str, str], list[tuple[str, str]]]:
    """The customers holding each acquired variant of the connection, as (id, name) pairs.

    Named by the company names of the latest published sync (the id when CloudCockpit named
    none), in name order.
    """
    rows = fetch_dicts(
        con,
        sql("acquired_customers"),
        {
            "connection_id": connection_id,
            "acquired_statuses": sorted(rules.ACQUIRED_SUBSCRIPTION_STATUSES),
        },
    )
    names = customer_names(con, connection_id)
    return {
        (r["offer_id"], r["segment"], r["term"], r["billing_frequency"]): names.ordered(
            r["customer_ids"]
        )
        for r in rows
    }
