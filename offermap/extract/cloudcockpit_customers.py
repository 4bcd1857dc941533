"""The company names of a connection's CloudCockpit customers, staged with its subscriptions.

Subscriptions carry only the customer's GUID; people read names. The names are read once per
sync (``GET v1/Customers``, paged and count-checked like the subscriptions), staged in the
subscriptions' run and published with them. They only label: a customers read that fails, or
a customer CloudCockpit names no company for, never fails the sync. The listings then show
that customer's id (and a failed read keeps the names the last good sync published).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from offermap.cloudcockpit import CloudCockpitClient, CloudCockpitError, Customer
from offermap.store import open_store
from offermap.store.snapshots import land_customers

log = logging.getLogger(__name__)


def _name(customer: Customer) -> str | None:
    name = customer.company_name
    if name is None or not name.strip():
        return None
    try:
        # DuckDB stores UTF-8: a lone surrogate from a bad JSON escape would fail the batch.
        name.encode("utf-8")
    except UnicodeEncodeError:
        log.warning(
            "CloudCockpit customer %s: its company name is not valid Unicode text; it is shown "
            "by id",
            customer.id,
        )
        return None
    return name


def customer_rows(customers: Iterable[Customer]) -> list[dict[str, Any]]:
    """Staging rows (``customer_id``, ``company_name``) for customers as the API sent them.

    A blank or unstorable company name becomes None, so the listings show the id instead.
    """
    return [{"customer_id": c.id, "company_name": _name(c)} for c in customers]


def read_customers(
    client: CloudCockpitClient, already_read: list[Customer] | None = None
) -> list[Customer] | None:
    """The customers of the client's context, or None when CloudCockpit would not list them.

    Args:
        client: the client that read the subscriptions (its requests are the run's).
        already_read: the customers the subscriptions read already listed (the reseller
            context reads them to reach their subscriptions); used as they are, not read again.

    Returns:
        Every customer, or None when the read failed: the failure is logged, and names stay
        as the last good sync published them.
    """
    if already_read is not None:
        return already_read
    try:
        return list(client.iter_customers())
    except CloudCockpitError as exc:
        # Names only label the listings; losing them for one sync beats losing the sync.
        log.warning(
            "CloudCockpit customers could not be read, so customers keep the names of the last "
            "sync (or show their id): %s",
            exc,
        )
        return None


def stage_customer_names(
    db_path: Path | str, connection_id: str, run_id: str, customers: Iterable[Customer]
) -> int:
    """Stage the customers' names in the run (published with its subscriptions); how many."""
    rows = customer_rows(customers)
    with open_store(db_path) as con:
        return land_customers(con, connection_id, run_id, datetime.now(UTC), rows)
