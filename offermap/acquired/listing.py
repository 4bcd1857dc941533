"""Listing a connection's acquired offer variants with their mapping status and handle."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from offermap.store import open_store
from offermap.store.acquired import acquired_offers
from offermap.variants import VariantKey, with_handles


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
    db_path: Path | str, connection_id: str, key: VariantKey
) -> dict[str, Any] | None:
    """The acquired variant with this key (offer id, segment, term, billing), or None."""
    for row in list_acquired(db_path, connection_id):
        if VariantKey.of(row) == key:
            return row
    return None
