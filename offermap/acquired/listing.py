"""Listing a connection's acquired offer variants with their mapping status and handle.

Mapped variants carry their drift (the rules their mapping breaks against today's snapshots,
from mapping health), so a listing can mark them where an administrator looks.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from offermap.errors import InputError
from offermap.reports.mapping_health import drift_rows
from offermap.store import open_store
from offermap.store.acquired import acquired_offers, variant_customers
from offermap.store.health import require_connection
from offermap.variants import VariantKey, with_handles

# What `offermap offers --status` accepts: the mapping statuses, and drifted mappings.
OFFER_STATUSES: tuple[str, ...] = ("unmapped", "mapped", "drifted", "not_required", "unsupported")


class OfferFilterError(InputError):
    """A filter of the offers listing cannot be used; the message lists what can."""


@dataclass(frozen=True)
class OfferFilter:
    """Which acquired variants to list; every field left empty matches everything.

    Attributes:
        show_mapped: False hides mapped variants, as CloudCockpit's "Hide Mapped" does
            (a status filter naming mapped or drifted shows them anyway).
        search: a part of the offer's name, provider offer id or offer id (any case).
        statuses: any of OFFER_STATUSES.
        segment: Commercial, Education, Government or NonProfit (any case).
        family: a product family, as the coverage report names them (any case).
        customer: a part of the name or id of a customer holding the variant (any case).
    """

    show_mapped: bool = True
    search: str | None = None
    statuses: tuple[str, ...] = ()
    segment: str | None = None
    family: str | None = None
    customer: str | None = None


def _matches(row: dict[str, Any], needle: str) -> bool:
    fields = (row.get("offer_name"), row.get("provider_offer_id"), row.get("offer_id"))
    return any(needle in (value or "").lower() for value in fields)


def _check(where: OfferFilter) -> None:
    unknown = [s for s in where.statuses if s not in OFFER_STATUSES]
    if unknown:
        raise OfferFilterError(
            f"unknown status {unknown[0]!r}: use one of {', '.join(OFFER_STATUSES)}"
        )


def _kept(row: dict[str, Any], where: OfferFilter) -> bool:
    status = row["mapping_status"]
    if where.statuses:
        wanted = set(where.statuses)
        if status not in wanted and not ("drifted" in wanted and row["drift"]):
            return False
    elif not where.show_mapped and status == "mapped":
        return False
    if where.segment and row["segment"].lower() != where.segment.strip().lower():
        return False
    needle = (where.search or "").strip().lower()
    if needle and not _matches(row, needle):
        return False
    return holds(row, where.customer)


def holds(row: dict[str, Any], customer: str | None) -> bool:
    """Whether a customer whose name or id contains `customer` (any case) holds the row's
    variant; True when `customer` is empty."""
    needle = (customer or "").strip().lower()
    held = (*row["customer_ids"], *row["customers_held_by"])
    return not needle or any(needle in c.lower() for c in held)


def list_offers(
    db_path: Path | str, connection_id: str, where: OfferFilter | None = None
) -> list[dict[str, Any]]:
    """The connection's acquired variants (read-only), each with its handle, status, mapped
    service, drift (a list of {rule, what_changed, action}; empty if none or not mapped) and
    the customers holding it: `customers_held_by` their names (the id of one CloudCockpit
    named none, after the named ones), in name order, and `customer_ids` their ids, in the
    same order.

    Raises:
        UnknownConnectionError: the database has never synced the connection.
        OfferFilterError: a status or family is not one that exists.
    """
    where = where or OfferFilter()
    _check(where)
    with open_store(db_path, read_only=True) as con:
        require_connection(con, connection_id)
        rows = with_handles(acquired_offers(con, connection_id))
        drifts = drift_rows(con, connection_id)
        customers = variant_customers(con, connection_id)
    by_variant: dict[VariantKey, list[dict[str, Any]]] = {}
    for drift in drifts:
        by_variant.setdefault(VariantKey.of(drift), []).append(
            {k: drift[k] for k in ("rule", "drift", "what_changed", "action")}
        )
    for row in rows:
        key = VariantKey.of(row)
        row["drift"] = by_variant.get(key, []) if row["mapping_status"] == "mapped" else []
        held = customers.get(key, [])
        row["customer_ids"] = [customer_id for customer_id, _ in held]
        row["customers_held_by"] = [name for _, name in held]
    kept = [row for row in rows if _kept(row, where)]
    if where.family:
        kept = _of_family(kept, where.family)
    return kept


def _of_family(rows: list[dict[str, Any]], family: str) -> list[dict[str, Any]]:
    # Imported here: the coverage report loads pandas, which other listings never need.
    from offermap.reports.coverage import OTHER_FAMILY, PRODUCT_FAMILIES, product_family

    names = [name for name, _ in PRODUCT_FAMILIES] + [OTHER_FAMILY]
    wanted = {name.lower(): name for name in names}.get(family.strip().lower())
    if wanted is None:
        raise OfferFilterError(f"unknown product family {family!r}: use one of {', '.join(names)}")
    return [r for r in rows if product_family(r["offer_name"], r["offer_type"]) == wanted]


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
    return list_offers(db_path, connection_id, OfferFilter(show_mapped=show_mapped, search=search))


def find_acquired(
    db_path: Path | str, connection_id: str, key: VariantKey
) -> dict[str, Any] | None:
    """The acquired variant with this key (offer id, segment, term, billing), or None."""
    with open_store(db_path, read_only=True) as con:
        rows = with_handles(acquired_offers(con, connection_id))
    for row in rows:
        if VariantKey.of(row) == key:
            return row
    return None
