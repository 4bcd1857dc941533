"""The review queue as the command line lists it: open proposals, filtered, with both sides.

Each proposal comes with its handle, the customers holding its variant, and the matcher's
reasons split into what counted for the service and what counted against it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from offermap.acquired.listing import holds
from offermap.errors import InputError
from offermap.review.explanations import split_reasons
from offermap.store import open_store
from offermap.store.acquired import known_variants, variant_customers
from offermap.store.health import require_connection
from offermap.store.proposals import open_proposals
from offermap.variants import VariantKey, ambiguous_provider_ids, handle_of


class QueueFilterError(InputError):
    """A filter of the review queue cannot be used; the message lists what can."""


@dataclass(frozen=True)
class ProposalFilter:
    """Which open proposals to list; every field left empty matches everything.

    Attributes:
        include_not_proposed: also the candidates the matcher did not propose (and why).
        search: a part of the offer's name, provider offer id, offer id or the service name.
        segment: Commercial, Education, Government or NonProfit (any case).
        family: a product family, as the coverage report names them (any case).
        customer: a part of the name or id of a customer holding the variant (any case).
        min_score / max_score: the score range, both ends included.
    """

    include_not_proposed: bool = False
    search: str | None = None
    segment: str | None = None
    family: str | None = None
    customer: str | None = None
    min_score: float | None = None
    max_score: float | None = None


def with_reasons(row: dict[str, Any]) -> dict[str, Any]:
    """The row with its `reasons` parsed and split into `for` and `against`."""
    raw = row.get("reasons")
    explained = json.loads(raw) if isinstance(raw, str) else (raw or {})
    reasons = list(explained.get("reasons", [])) if isinstance(explained, dict) else []
    supporting, against = split_reasons(reasons)
    return {
        **row,
        "reasons": explained,
        "for": supporting,
        "against": against,
    }


def _kept(row: dict[str, Any], where: ProposalFilter) -> bool:
    if where.segment and row["segment"].lower() != where.segment.strip().lower():
        return False
    score = float(row["score"])
    if where.min_score is not None and score < where.min_score:
        return False
    if where.max_score is not None and score > where.max_score:
        return False
    needle = (where.search or "").strip().lower()
    if needle and not any(
        needle in str(row.get(k) or "").lower()
        for k in ("offer_name", "provider_offer_id", "offer_id", "service_name")
    ):
        return False
    return holds(row, where.customer)


def list_proposals(
    db_path: Path | str, connection_id: str, where: ProposalFilter | None = None
) -> list[dict[str, Any]]:
    """Open proposals of the connection, best first per variant, filtered (read-only).

    Each row has the columns of `open_proposals.sql`, its `handle`, the customers holding
    its variant (`customers_held_by` names, `customer_ids` ids in the same order), the
    parsed `reasons`, and `for` / `against` (the reasons split).

    Raises:
        UnknownConnectionError: the database has never synced the connection.
        QueueFilterError: the family is not one that exists.
    """
    where = where or ProposalFilter()
    with open_store(db_path, read_only=True) as con:
        require_connection(con, connection_id)
        rows = open_proposals(
            con, connection_id, status=None if where.include_not_proposed else "proposed"
        )
        ambiguous = ambiguous_provider_ids(known_variants(con, connection_id))
        customers = variant_customers(con, connection_id)
    out = []
    for row in rows:
        key = VariantKey.of(row)
        row = {
            **with_reasons(row),
            "handle": handle_of(row, ambiguous),
            "customer_ids": [customer_id for customer_id, _ in customers.get(key, [])],
            "customers_held_by": [name for _, name in customers.get(key, [])],
        }
        if _kept(row, where):
            out.append(row)
    if where.family:
        out = _of_family(out, where.family)
    return out


def _of_family(rows: list[dict[str, Any]], family: str) -> list[dict[str, Any]]:
    # Imported here: the coverage report loads pandas, which other listings never need.
    from offermap.reports.coverage import OTHER_FAMILY, PRODUCT_FAMILIES, product_family

    names = [name for name, _ in PRODUCT_FAMILIES] + [OTHER_FAMILY]
    wanted = {name.lower(): name for name in names}.get(family.strip().lower())
    if wanted is None:
        raise QueueFilterError(f"unknown product family {family!r}: use one of {', '.join(names)}")
    return [r for r in rows if product_family(r["offer_name"], r["offer_type"]) == wanted]
