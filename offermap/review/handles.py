"""Resolving a handle people typed (or pasted from any listing) to the variant key it names.

The offer part may be the provider offer id shown under an offer's name or CloudCockpit's
offer id; both resolve among every variant the connection knows: the acquired ones, and mapped
ones no customer holds any more, so the unmap that mapping health advises for those works.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from offermap.store import open_store
from offermap.store.acquired import known_variants
from offermap.store.health import require_connection
from offermap.variants import HandleError, VariantKey, handle_of, parse_handle

# How many known variants of an offer a refusal lists before "...".
_SHOWN = 6


def _offer_matches(row: dict[str, Any], offer: str) -> bool:
    wanted = offer.lower()
    return wanted in (str(row["offer_id"]).lower(), str(row.get("provider_offer_id") or "").lower())


def resolve_in(rows: list[dict[str, Any]], connection_id: str, handle: str) -> VariantKey:
    """The key `handle` names among `rows` (a connection's known variants).

    Raises:
        HandleError: the handle is malformed, names no offer or no such variant of the
            connection, or a provider offer id that names several offers.
    """
    ref = parse_handle(handle)
    offers = [row for row in rows if _offer_matches(row, ref.offer)]
    if not offers:
        raise HandleError(
            f"connection {connection_id!r} has no acquired or mapped offer {ref.offer!r}: "
            "list them with `offermap offers`"
        )
    offer_ids = sorted({str(row["offer_id"]) for row in offers})
    if len(offer_ids) > 1:
        raise HandleError(
            f"{ref.offer} names several CloudCockpit offers ({', '.join(offer_ids)}): "
            "write the offer id instead"
        )
    wanted = VariantKey(offer_ids[0], ref.segment, ref.term, ref.billing_frequency)
    if any(VariantKey.of(row) == wanted for row in offers):
        return wanted
    others = [handle_of(row) for row in offers]
    shown = ", ".join(others[:_SHOWN]) + (", ..." if len(others) > _SHOWN else "")
    name = offers[0].get("offer_name") or ref.offer
    raise HandleError(
        f"no customer of {connection_id!r} holds {name} as "
        f"{ref.segment}/{ref.term}/{ref.billing_frequency} (R9: only acquired offers are "
        f"mapped); its variants are: {shown}"
    )


def resolve_handle(db_path: Path | str, connection_id: str, handle: str) -> VariantKey:
    """The variant key a handle names in the connection (read-only).

    Raises:
        HandleError: see `resolve_in`.
        UnknownConnectionError: the database has never synced the connection.
    """
    with open_store(db_path, read_only=True) as con:
        require_connection(con, connection_id)
        rows = known_variants(con, connection_id)
    return resolve_in(rows, connection_id, handle)
