"""Naming a connection's CloudCockpit customers: subscriptions carry ids, people read names."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import duckdb

from offermap.store.db import sql


@dataclass(frozen=True)
class CustomerNames:
    """The company names the latest published sync read for a connection's customers.

    A customer it has no name for (missing from CloudCockpit's customer list, named no
    company, or the customers read failed on its first sync) is named by its id, so every
    customer can always be shown.
    """

    by_id: Mapping[str, str]

    def name(self, customer_id: str) -> str:
        """The customer's company name, or its id when there is none."""
        # CloudCockpit's GUIDs are compared case-insensitively, as its API does.
        return self.by_id.get(customer_id.lower(), customer_id)

    def named(self, customer_id: str) -> bool:
        """Whether the customer has a company name (else it is shown by id)."""
        return customer_id.lower() in self.by_id

    def ordered(self, customer_ids: Iterable[str]) -> list[tuple[str, str]]:
        """(id, name) of each customer: named ones in name order (any case), then those shown
        by id, the id breaking ties."""
        pairs = [(customer_id, self.name(customer_id)) for customer_id in customer_ids]
        return sorted(pairs, key=lambda pair: self.sort_key(*pair))

    def sort_key(self, customer_id: str, name: str) -> tuple[bool, str, str, str]:
        """Where a customer goes in a listing: see `ordered`."""
        # An id among names reads as noise: it goes after them, not in their alphabet.
        return (not self.named(customer_id), name.casefold(), name, customer_id)


def customer_names(con: duckdb.DuckDBPyConnection, connection_id: str) -> CustomerNames:
    """The company names of the connection's customers (see `CustomerNames`)."""
    rows = con.execute(sql("customer_names"), {"connection_id": connection_id}).fetchall()
    return CustomerNames({str(customer_id).lower(): str(name) for customer_id, name in rows})
