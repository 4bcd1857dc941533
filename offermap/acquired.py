"""Acquired offer variants of a connection (R9) and their mapping status."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from offermap.store import open_store
from offermap.store.acquired import acquired_offers, derive_acquired_offers, status_counts


def derive(db_path: Path | str, connection_id: str, run_id: str) -> dict[str, int]:
    """Rebuild the connection's acquired variants from its published subscriptions.

    Returns:
        How many variants are in each mapping status (mapped, unmapped, not_required, unsupported).
    """
    with open_store(db_path) as con:
        derive_acquired_offers(con, connection_id, run_id)
        return status_counts(con, connection_id)


def with_handles(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add each variant's `handle`: OFFER/SEGMENT/TERM/BILLING as `offermap map` takes it.

    OFFER is the provider offer id people read under the offer's name, unless that id names
    several CloudCockpit offers in the connection: then only the offer id is unambiguous.
    """
    offers_by_provider_id: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        if row.get("provider_offer_id"):
            offers_by_provider_id[row["provider_offer_id"].lower()].add(row["offer_id"])
    handled = []
    for row in rows:
        provider_id = row.get("provider_offer_id") or ""
        unique = provider_id and len(offers_by_provider_id[provider_id.lower()]) == 1
        offer = provider_id if unique else row["offer_id"]
        handle = "/".join((offer, row["segment"], row["term"], row["billing_frequency"]))
        handled.append({**row, "handle": handle})
    return handled


def _matches(row: dict[str, Any], needle: str) -> bool:
    fields = (row.get("offer_name"), row.get("provider_offer_id"), row.get("offer_id"))
    return any(needle in (value or "").lower() for value in fields)


def list_acquired(
    db_path: Path | str,
    connection_id: str,
    *,
    show_mapped: bool = True,
    search: str | None = None,
) -> list[dict[str, Any]]:
    """The connection's acquired variants with status, mapped service and handle (read-only).

    Args:
        show_mapped: False hides mapped variants, as CloudCockpit's "Hide Mapped" does.
        search: keep variants whose name, provider offer id or offer id contains this text
            (case-insensitive).
    """
    with open_store(db_path, read_only=True) as con:
        rows = with_handles(acquired_offers(con, connection_id))
    if not show_mapped:
        rows = [r for r in rows if r["mapping_status"] != "mapped"]
    needle = (search or "").strip().lower()
    return [r for r in rows if _matches(r, needle)] if needle else rows


def find_acquired(
    db_path: Path | str, connection_id: str, key: tuple[str, str, str, str]
) -> dict[str, Any] | None:
    """The acquired variant with this key (offer id, segment, term, billing), or None."""
    for row in list_acquired(db_path, connection_id):
        if (row["offer_id"], row["segment"], row["term"], row["billing_frequency"]) == key:
            return row
    return None


def counts(db_path: Path | str, connection_id: str) -> dict[str, int]:
    """How many acquired variants of the connection are in each mapping status (read-only)."""
    with open_store(db_path, read_only=True) as con:
        return status_counts(con, connection_id)
