"""Reading query pages and guarding the nextPageUrl chain (loops, foreign origins, repeats).

Autotask returns at most 500 records a page with `pageDetails.nextPageUrl`, an absolute URL
to POST with the same body; a client that stops at the first page silently loses records.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from offermap.autotask.errors import AutotaskFatalError, describe
from offermap.autotask.models import Service
from offermap.autotask.zone import Origin, http_url, origin

_URL_SHOWN = 120


def _get(payload: dict[str, Any], key: str) -> Any:
    # Autotask writes camelCase; older Swagger shows PascalCase. Accept either.
    if key in payload:
        return payload[key]
    lowered = key.lower()
    for name, value in payload.items():
        if isinstance(name, str) and name.lower() == lowered:
            return value
    return None


def _short(url: str) -> str:
    return url if len(url) <= _URL_SHOWN else url[: _URL_SHOWN - 1] + "…"


@dataclass(frozen=True)
class Page:
    """One validated query page: its number (from 1), records and the next page's URL."""

    number: int
    items: list[dict[str, Any]]
    next_url: str | None


def parse_page(payload: Any, status: int, entity: str, number: int) -> Page:
    """Validate a query page completely before any of its records is used.

    Args:
        payload: the parsed JSON of a 2xx answer of `/query` or of a nextPageUrl.
        status: its HTTP status, for errors.
        entity: the entity queried, for errors.
        number: the page number (1 for the first page), for errors.

    Raises:
        AutotaskFatalError: the body is not an object, has no `items` list, an item is not an
            object or has no integer `id`, or `pageDetails` is missing or malformed.
    """
    where = f"Autotask {entity} query page {number}"
    if not isinstance(payload, dict):
        raise AutotaskFatalError(f"{where} is not a JSON object", status=status, entity=entity)
    items = _get(payload, "items")
    if not isinstance(items, list):
        raise AutotaskFatalError(f"{where} has no 'items' list", status=status, entity=entity)
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise AutotaskFatalError(
                f"{where}: record {index} is {type(item).__name__}, not an object",
                status=status,
                entity=entity,
            )
        record_id = item.get("id")
        if not isinstance(record_id, int) or isinstance(record_id, bool):
            raise AutotaskFatalError(
                f"{where}: record {index} has no integer 'id' (got {record_id!r})",
                status=status,
                entity=entity,
            )
    details = _get(payload, "pageDetails")
    if not isinstance(details, dict):
        raise AutotaskFatalError(
            f"{where} has no 'pageDetails' object", status=status, entity=entity
        )
    next_url = _get(details, "nextPageUrl")
    if next_url is not None and not isinstance(next_url, str):
        raise AutotaskFatalError(
            f"{where}: nextPageUrl is {type(next_url).__name__}, not a URL",
            status=status,
            entity=entity,
        )
    return Page(number, items, next_url or None)


class PageGuard:
    """Refuses a nextPageUrl off the zone's origin or seen before, and pages that repeat ids."""

    def __init__(self, entity: str, root_origin: Origin) -> None:
        self._entity = entity
        self._origin = root_origin
        self._urls: set[str] = set()
        self._ids: set[int] = set()
        self.records = 0

    def check_next_url(self, url: str, page: int) -> str:
        """Validate the nextPageUrl given on page `page`; return it to be POSTed.

        Raises:
            AutotaskFatalError: not http(s), another origin than the zone (credentials would go
                there), or a URL already followed (the server is looping).
        """
        where = f"Autotask {self._entity} query page {page}"
        try:
            parsed = http_url(url, "nextPageUrl")
        except ValueError as exc:
            raise AutotaskFatalError(f"{where}: {exc}", entity=self._entity) from None
        if origin(parsed) != self._origin:
            scheme, host, port = origin(parsed)
            raise AutotaskFatalError(
                f"{where}: refusing nextPageUrl on {scheme}://{host}:{port}, which is not the "
                "zone's origin (credentials are only sent to the zone)",
                entity=self._entity,
            )
        if url in self._urls:
            raise AutotaskFatalError(
                f"{where}: nextPageUrl {_short(url)} was already followed; paging loops",
                entity=self._entity,
            )
        self._urls.add(url)
        return url

    def check_ids(self, page: Page) -> None:
        """Record the page's ids; raise if any was already returned (by this or an earlier page).

        Raises:
            AutotaskFatalError: naming the entity, the page and some repeated ids.
        """
        ids = [item["id"] for item in page.items]
        fresh = set(ids)
        repeated = sorted({i for i in ids if i in self._ids} | _duplicates(ids))
        if repeated:
            raise AutotaskFatalError(
                f"Autotask {self._entity} query page {page.number} repeats "
                f"{len(repeated)} record id(s) already returned, e.g. {repeated[:5]}; "
                "paging is inconsistent",
                entity=self._entity,
            )
        self._ids |= fresh
        self.records += len(ids)


def _duplicates(ids: list[int]) -> set[int]:
    seen: set[int] = set()
    dup: set[int] = set()
    for record_id in ids:
        if record_id in seen:
            dup.add(record_id)
        seen.add(record_id)
    return dup


def page_services(page: Page) -> list[Service]:
    """The page's records as Services, all validated before any is used.

    Raises:
        AutotaskFatalError: naming the page, the record's position and id, and the bad fields.
    """
    services: list[Service] = []
    for index, item in enumerate(page.items):
        try:
            services.append(Service.model_validate(item))
        except ValidationError as exc:
            raise AutotaskFatalError(
                f"Autotask Services query page {page.number}: record {index} "
                f"(id {item.get('id')!r}) is not a valid Service: {describe(exc)}",
                entity="Services",
            ) from None
    return services
