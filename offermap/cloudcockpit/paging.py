"""Page-number paging of CloudCockpit lists, with guards against endless or repeating pages.

Lists take ``pageNumber`` (from 1) and ``pageSize`` (1 to 2000) and answer ``{"items": [...]}``
with the list's total count. Never trust a page count you did not verify: a page without a
total, a total that changes between pages, or pages that end before (or run past) the total
fail the read, because an empty or short answer would otherwise pass for an empty or short
list. Paging stops once the total is reached.
See https://developer.cloudcockpit.com/operation/operation-get-v1-subscriptions.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from offermap.cloudcockpit.errors import CloudCockpitFatalError

logger = logging.getLogger("offermap.cloudcockpit")

MAX_PAGE_SIZE = 2000
# 20 million records at the largest page size: far beyond any tenant, so only a server
# that never stops answering full pages of new ids gets here.
MAX_PAGES = 10_000
# Names under which CloudCockpit lists have been seen to report their total, best first.
TOTAL_COUNT_KEYS = ("totalCount", "totalItems", "count")


@dataclass(frozen=True)
class PageInfo:
    """What one page brought: where it came from, how many records, the total if reported."""

    endpoint: str
    page_number: int
    item_count: int
    total_count: int | None


@dataclass(frozen=True)
class Page:
    """One page's raw items with its description."""

    info: PageInfo
    items: list[dict[str, Any]]


def _total(body: dict[str, Any]) -> int | None:
    for key in TOTAL_COUNT_KEYS:
        value = body.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
    return None


def iter_pages(
    fetch: Callable[[int], Any],
    *,
    endpoint: str,
    page_size: int,
    seen: dict[str, str] | None = None,
    max_pages: int = MAX_PAGES,
) -> Iterator[Page]:
    """Yield the pages of one list until its reported total is read.

    Args:
        fetch: returns the decoded JSON body of the given page number.
        endpoint: method and path, for messages.
        page_size: the page size asked for.
        seen: record ids already returned (id → where), shared across several lists so a
            record never comes back twice; a new dict when None.
        max_pages: a hard stop against a server that never ends a list.

    Yields:
        Each page, in order, once it is checked.

    Raises:
        CloudCockpitError: the body has no ``items`` list or no total count, an item is not an
            object, a record id comes back a second time (a repeated page or a list that
            changed while it was read), the total changed between pages, the pages ended
            before the total or ran past it, or ``max_pages`` was passed.
    """
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}, not {page_size}")
    first_seen: dict[str, str] = {} if seen is None else seen
    returned = 0
    reported: int | None = None
    page_number = 1
    while True:
        body = fetch(page_number)
        where = f"{endpoint} page {page_number}"
        if not isinstance(body, dict) or not isinstance(body.get("items"), list):
            found = type(body).__name__ if not isinstance(body, dict) else "no items list"
            raise CloudCockpitFatalError(
                f"CloudCockpit {where}: expected a JSON object with an items list, got {found}",
                endpoint=endpoint,
            )
        items: list[Any] = body["items"]
        total = _total(body)
        if total is None:
            raise CloudCockpitFatalError(
                f"CloudCockpit {where} answered {len(items)} records without a total count "
                f"({', '.join(TOTAL_COUNT_KEYS)}), so the read cannot be checked against the "
                "list and was not used: run it again, and if it repeats, report it to "
                "CloudCockpit",
                endpoint=endpoint,
            )
        if reported is not None and total != reported:
            raise CloudCockpitFatalError(
                f"CloudCockpit {where} reports {total} records but page 1 reported {reported}; "
                "the list changed while it was read, so this read is incomplete: run it again",
                endpoint=endpoint,
            )
        reported = total
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                raise CloudCockpitFatalError(
                    f"CloudCockpit {where}: record #{index + 1} is a "
                    f"{type(item).__name__}, not an object",
                    endpoint=endpoint,
                )
            record_id = item.get("id")
            if record_id is None:
                continue  # the model reports the missing id with the record's position
            key = str(record_id)
            if key in first_seen:
                raise CloudCockpitFatalError(
                    f"CloudCockpit {where}: record {key} was already returned on "
                    f"{first_seen[key]}; the API repeated a page or the list changed while it "
                    "was read, so this read is incomplete: run it again",
                    endpoint=endpoint,
                )
            first_seen[key] = where
        returned += len(items)
        if returned > total:
            raise CloudCockpitFatalError(
                f"CloudCockpit {where} brought the list to {returned} records but the API "
                f"reported {total}; the list changed while it was read or the server pages "
                "differently: run it again",
                endpoint=endpoint,
            )
        if returned < total and len(items) < page_size:
            raise CloudCockpitFatalError(
                f"CloudCockpit {where} ended the list after {returned} records but the "
                f"API reported {total}; the list changed while it was read or the server "
                "pages differently: run it again",
                endpoint=endpoint,
            )
        logger.debug("CloudCockpit %s: %d records (total %s)", where, len(items), total)
        yield Page(PageInfo(endpoint, page_number, len(items), total), items)
        if returned >= total:
            return
        if page_number >= max_pages:
            raise CloudCockpitFatalError(
                f"CloudCockpit {endpoint} still returned full pages after {max_pages} pages "
                f"({returned} records); stopping rather than paging forever",
                endpoint=endpoint,
            )
        page_number += 1
