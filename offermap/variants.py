"""The offer-variant key every stage shares, and the handle people type for it.

A mapping is keyed by (offer id, segment, term, billing frequency) within one connection
(rule R4). People read and type the same key as a *handle*: `OFFER/SEGMENT/TERM/BILLING`, where
OFFER is the Microsoft provider offer id shown under the offer's name (`CFQ7TTC0LH18:0001`),
or CloudCockpit's offer id when the provider id is unknown or names several offers of the
connection. Every handle offermap prints is built by `handle_of` and read back by
`parse_handle`; resolving it to an offer id needs the connection's data (see
`offermap.review.handles`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any, NamedTuple

from offermap import rules
from offermap.errors import InputError

HANDLE_FORMAT = "OFFER/SEGMENT/TERM/BILLING, e.g. CFQ7TTC0LH18:0001/Commercial/OneYear/Monthly"


class VariantKey(NamedTuple):
    """(offer_id, segment, term, billing_frequency): the mapping key within one connection."""

    offer_id: str
    segment: str
    term: str
    billing_frequency: str

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> VariantKey:
        """The key of a row holding offer_id, segment, term and billing_frequency."""
        return cls(
            str(row["offer_id"]),
            str(row["segment"]),
            str(row["term"]),
            str(row["billing_frequency"]),
        )


class HandleError(InputError):
    """A handle cannot be read or names no offer variant of the connection."""


class HandleRef(NamedTuple):
    """A parsed handle: the OFFER part as typed (provider or offer id) and canonical names."""

    offer: str
    segment: str
    term: str
    billing_frequency: str


def ambiguous_provider_ids(rows: Iterable[Mapping[str, Any]]) -> frozenset[str]:
    """Provider offer ids (lower case) that name more than one CloudCockpit offer in `rows`."""
    offers: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        provider_id = row.get("provider_offer_id")
        if provider_id:
            offers[str(provider_id).lower()].add(str(row["offer_id"]))
    return frozenset(pid for pid, ids in offers.items() if len(ids) > 1)


def handle_of(row: Mapping[str, Any], ambiguous: frozenset[str] = frozenset()) -> str:
    """The handle of a row holding offer_id, provider_offer_id, segment, term and billing.

    Args:
        row: the variant, as any table of offermap holds it.
        ambiguous: provider offer ids naming several offers (`ambiguous_provider_ids`); for
            them the offer id is the only unambiguous name.
    """
    provider_id = str(row.get("provider_offer_id") or "")
    usable = provider_id and "/" not in provider_id and provider_id.lower() not in ambiguous
    offer = provider_id if usable else str(row["offer_id"])
    return "/".join((offer, str(row["segment"]), str(row["term"]), str(row["billing_frequency"])))


def with_handles(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows, each with its `handle` added (ambiguity judged among these rows)."""
    ambiguous = ambiguous_provider_ids(rows)
    return [{**row, "handle": handle_of(row, ambiguous)} for row in rows]


def _canonical(value: str, allowed: type[StrEnum], what: str) -> str:
    for member in allowed:
        if member.value.lower() == value.strip().lower():
            return str(member.value)
    names = ", ".join(m.value for m in allowed)
    raise HandleError(f"unknown {what} {value.strip()!r}: use one of {names}")


def parse_handle(handle: str) -> HandleRef:
    """Split `OFFER/SEGMENT/TERM/BILLING` and check the names against CloudCockpit's enums.

    Raises:
        HandleError: the handle is not four non-empty parts, or a name is not an enum member.
    """
    parts = handle.strip().split("/")
    if len(parts) != 4 or not all(p.strip() for p in parts):
        raise HandleError(f"cannot read offer variant {handle!r}: write it as {HANDLE_FORMAT}")
    offer, segment, term, billing = (p.strip() for p in parts)
    return HandleRef(
        offer,
        _canonical(segment, rules.Segment, "segment"),
        _canonical(term, rules.Term, "term"),
        _canonical(billing, rules.BillingFrequency, "billing frequency"),
    )
