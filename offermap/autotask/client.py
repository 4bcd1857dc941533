"""A typed, synchronous httpx client for the Autotask PSA REST API (read side).

Reference: https://ww1.autotask.net/help/DeveloperHelp/Content/APIs/REST/API_Calls/REST_API_Calls.htm
"""

from __future__ import annotations

import logging
import random
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from types import TracebackType
from typing import Any, Self

import httpx

from offermap.autotask.errors import AutotaskFatalError, describe
from offermap.autotask.filters import FilterArg, count_body, query_body
from offermap.autotask.limits import PacingPolicy, shared_limits
from offermap.autotask.models import FieldInfo, Service, ThresholdInfo, ZoneInfo
from offermap.autotask.paging import Page, PageGuard, page_services, parse_page
from offermap.autotask.requester import BeforeRequest, Call, Credentials, Requester
from offermap.autotask.zone import (
    DEFAULT_ZONE_TTL_SECONDS,
    ZONES,
    ZoneCache,
    http_url,
    origin,
    rest_root,
)
from offermap.http import RetryPolicy
from offermap.settings import AutotaskSettings

logger = logging.getLogger(__name__)

OnPage = Callable[[int, int | None], None]

_ENTITY = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")
_CONNECT_TIMEOUT = 10.0


def _entity(name: str) -> str:
    # The entity becomes a URL path segment: refuse anything that could change the path.
    if not _ENTITY.match(name):
        raise ValueError(f"{name!r} is not an Autotask entity name (e.g. 'Services')")
    return name


class AutotaskClient:
    """Reads an Autotask database: zone, picklists, counts and every page of a query.

    Safe to share between threads. Use as a context manager, or call `close()`.

    Args:
        settings: credentials, zone and limits.
        transport: an httpx transport (tests); the default is a real HTTP transport.
        sleep: how to wait (tests pass a fake so they never really sleep).
        clock: monotonic seconds, for the hourly budget and the zone cache TTL.
        rng: randomness for backoff jitter.
        zone_ttl_seconds: how long a looked-up zone is reused.
        pacing: when to read ThresholdInformation and how to slow down near the budget.
        zone_cache: where zones are cached; process-wide by default.
        before_request: called before every request the client sends, fixed calls and
            retries included (e.g. to take a slot of a rate limit shared between processes).
    """

    def __init__(
        self,
        settings: AutotaskSettings,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        zone_ttl_seconds: float = DEFAULT_ZONE_TTL_SECONDS,
        pacing: PacingPolicy | None = None,
        zone_cache: ZoneCache | None = None,
        before_request: BeforeRequest | None = None,
    ) -> None:
        self._username = settings.username
        self._lookup_url = rest_root(settings.zone_lookup_url, "AUTOTASK_ZONE_LOOKUP_URL")
        self._explicit_root = (
            rest_root(settings.api_url, "AUTOTASK_API_URL") if settings.api_url else None
        )
        self._zone_ttl = zone_ttl_seconds
        self._zones = zone_cache if zone_cache is not None else ZONES
        self._zone_lock = threading.Lock()
        self._zone: ZoneInfo | None = None
        self._fields: dict[str, list[FieldInfo]] = {}
        self._fields_lock = threading.Lock()
        timeout = httpx.Timeout(
            settings.timeout_seconds, connect=min(settings.timeout_seconds, _CONNECT_TIMEOUT)
        )
        # Redirects stay off: following one would resend the credentials to another URL.
        self._http = httpx.Client(timeout=timeout, transport=transport, follow_redirects=False)
        code = settings.integration_code.get_secret_value()
        self._requester = Requester(
            http=self._http,
            credentials=Credentials(settings.username, settings.secret.get_secret_value(), code),
            limits=shared_limits(settings.username, code, settings.max_concurrency),
            # Autotask's own backoff bases: quick after a fault, slower when it pushes back.
            retry=RetryPolicy(
                settings.max_retries,
                settings.retry_budget_seconds,
                base_delay=0.5,
                throttle_delay=2.0,
            ),
            pacing=pacing or PacingPolicy(),
            hourly_budget=settings.hourly_request_budget,
            threshold_url=lambda: self._url("ThresholdInformation"),
            sleep=sleep,
            clock=clock,
            rng=rng or random.Random(),
            on_unauthorized=self._forget_zone,
            before_request=before_request,
        )

    @classmethod
    def from_settings(cls, settings: AutotaskSettings, **kwargs: Any) -> Self:
        """Build a client from settings; keyword arguments as for the constructor."""
        return cls(settings, **kwargs)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP connections."""
        self._http.close()

    def __repr__(self) -> str:
        root = self._explicit_root or (self._zone.url if self._zone else "not looked up yet")
        return f"AutotaskClient(username={self._username!r}, zone={root!r})"

    @property
    def requests_made(self) -> int:
        """HTTP requests sent so far by this client (retries and metadata included)."""
        return self._requester.requests_made

    # -- zone -------------------------------------------------------------------------------

    def zone(self) -> ZoneInfo:
        """The user's zone: the configured api_url, or looked up once per user and cached.

        Raises:
            AutotaskAuthError: Autotask does not know the user.
            AutotaskError: the lookup failed or answered an unusable zone URL.
        """
        if self._explicit_root is not None:
            return ZoneInfo(url=self._explicit_root)
        with self._zone_lock:
            if self._zone is not None:
                return self._zone
        zone = self._zones.get(self._lookup_url, self._username)
        if zone is None:
            with self._zones.lookup_lock(self._lookup_url, self._username):
                zone = self._zones.get(self._lookup_url, self._username)
                if zone is None:
                    zone = self._lookup_zone()
                    self._zones.put(self._lookup_url, self._username, zone, self._zone_ttl)
        with self._zone_lock:
            self._zone = zone
        return zone

    def _lookup_zone(self) -> ZoneInfo:
        url = f"{self._lookup_url}V1.0/ZoneInformation"
        # ZoneInformation takes no credentials and is exempt from the thread limit.
        call = Call("ZoneInformation", auth=False, limited=False, paced=False)
        reply = self._requester.send("GET", url, call, params={"user": self._username})
        try:
            zone = ZoneInfo.model_validate(reply.payload)
            root = rest_root(zone.url, "zone URL")
        except ValueError as exc:  # ValidationError and bad URLs both are
            raise AutotaskFatalError(
                f"Autotask ZoneInformation for user {self._username!r} is unusable: "
                f"{describe(exc)}",
                status=reply.status,
                entity="ZoneInformation",
            ) from None
        logger.info("Autotask user %s is in zone %s (%s)", self._username, zone.zone_name, root)
        return zone.model_copy(update={"url": root})

    def _forget_zone(self) -> None:
        if self._explicit_root is None:
            self._zones.invalidate(self._lookup_url, self._username)
            with self._zone_lock:
                self._zone = None

    def _root(self) -> str:
        return self._explicit_root or self.zone().url

    def _url(self, path: str) -> str:
        return f"{self._root()}V1.0/{path}"

    # -- metadata ---------------------------------------------------------------------------

    def threshold(self) -> ThresholdInfo:
        """The tenant's hourly request threshold and current usage (the call itself counts).

        Raises:
            AutotaskError: the call failed or answered a malformed body.
        """
        return self._requester.fetch_threshold()

    def fields(self, entity: str) -> list[FieldInfo]:
        """The fields of `entity` from `/{Entity}/entityInformation/fields`, cached per client.

        Raises:
            AutotaskError: the call failed or answered a malformed body.
        """
        entity = _entity(entity)
        with self._fields_lock:
            cached = self._fields.get(entity.lower())
        if cached is not None:
            return cached
        reply = self._requester.send(
            "GET", self._url(f"{entity}/entityInformation/fields"), Call(entity)
        )
        try:
            payload = reply.payload
            raw = payload.get("fields") if isinstance(payload, dict) else None
            if not isinstance(raw, list):
                raise ValueError("no 'fields' list")
            fields = [FieldInfo.model_validate(item) for item in raw]
        except ValueError as exc:
            raise AutotaskFatalError(
                f"Autotask {entity} entityInformation/fields is malformed: {describe(exc)}",
                status=reply.status,
                entity=entity,
            ) from None
        with self._fields_lock:
            self._fields[entity.lower()] = fields
        return fields

    def picklist_labels(self, entity: str, field: str) -> dict[int, str]:
        """The picklist of `entity.field` as {value: label}, read from the API (never hard-coded).

        Raises:
            AutotaskError: no such field, not a picklist, or a value that is not an integer.
        """
        wanted = field.lower()
        info = next((f for f in self.fields(entity) if f.name.lower() == wanted), None)
        if info is None:
            raise AutotaskFatalError(f"Autotask {entity} has no field {field!r}", entity=entity)
        if not info.is_pick_list or info.picklist_values is None:
            raise AutotaskFatalError(
                f"Autotask {entity}.{info.name} is not a picklist", entity=entity
            )
        labels: dict[int, str] = {}
        for item in info.picklist_values:
            try:
                labels[int(item.value)] = item.label
            except ValueError:
                raise AutotaskFatalError(
                    f"Autotask {entity}.{info.name} picklist value {item.value!r} "
                    f"({item.label!r}) is not an integer",
                    entity=entity,
                ) from None
        return labels

    # -- queries ----------------------------------------------------------------------------

    def count(self, entity: str, filter: FilterArg = None) -> int:
        """How many records of `entity` match `filter` (`/{Entity}/query/count`).

        Raises:
            ValueError: the filter is invalid.
            AutotaskError: the call failed or answered no integer `queryCount`.
        """
        entity = _entity(entity)
        body = count_body(filter)
        reply = self._requester.send(
            "POST", self._url(f"{entity}/query/count"), Call(entity), json_body=body
        )
        payload = reply.payload
        value = payload.get("queryCount") if isinstance(payload, dict) else None
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise AutotaskFatalError(
                f"Autotask {entity} query/count answered no integer queryCount",
                status=reply.status,
                entity=entity,
            )
        return value

    def query(
        self,
        entity: str,
        filter: FilterArg = None,
        *,
        include_fields: Sequence[str] | None = None,
        max_records: int | None = None,
        on_page: OnPage | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Every record of `entity` matching `filter`, as raw dicts, following every page.

        The body is checked now; requests are sent as the iterator is consumed.

        Args:
            entity: the entity, e.g. "Companies".
            filter: a filter, a list of filters (AND), or None for every record.
            include_fields: fields to return (`id` is always added).
            max_records: records per page (Autotask's MaxRecords), 1..500.
            on_page: called after each page with (records so far, None).

        Raises:
            ValueError: max_records out of 1..500 or an invalid filter (raised at once).
            AutotaskError: a request failed or a page was malformed (raised while iterating,
                before any record of the bad page is yielded).
        """
        entity = _entity(entity)
        body = query_body(filter, include_fields=include_fields, max_records=max_records)
        return self._records(entity, body, on_page)

    def iter_services(
        self,
        filter: FilterArg = None,
        *,
        on_page: OnPage | None = None,
        count_first: bool = True,
        max_records: int | None = None,
    ) -> Iterator[Service]:
        """Every Autotask Service matching `filter` (all of them by default), typed.

        Args:
            filter: a filter, a list of filters (AND), or None for every service.
            on_page: called after each page with (records so far, total if counted).
            count_first: ask `/Services/query/count` first, so `on_page` knows the total and
                the read is checked against it once the pages end.
            max_records: records per page, 1..500.

        Raises:
            ValueError: max_records out of 1..500 or an invalid filter (raised at once).
            AutotaskError: a request failed, or a page was malformed or held an invalid
                Service (naming the page and record), before that page yields anything; or,
                after the last page, the records read disagree with query/count (the caller
                must then discard what it got).
        """
        body = query_body(filter, max_records=max_records)
        return self._services(filter, body, on_page, count_first)

    def _services(
        self,
        filter: FilterArg,
        body: dict[str, Any],
        on_page: OnPage | None,
        count_first: bool,
    ) -> Iterator[Service]:
        total = self.count("Services", filter) if count_first else None
        records = 0
        for page in self._pages("Services", body):
            services = page_services(page)
            records += len(services)
            if on_page is not None:
                on_page(records, total)
            yield from services
        if total is not None and records != total:
            # Autotask has ended paging early (no nextPageUrl on a full page, an empty first
            # page): never trust a read its own count does not confirm. A second count that
            # agrees with the read means services really changed while they were read.
            recount = self.count("Services", filter)
            if recount != records:
                raise AutotaskFatalError(
                    f"Autotask Services: the query pages held {records} services but "
                    f"query/count says {total} (and {recount} when asked again); the read is "
                    "incomplete, so it was not used: run the sync again later, and if it "
                    "repeats, Autotask's paging is broken for this query",
                    entity="Services",
                )
            logger.warning(
                "Autotask Services: counted %d but read %d, and a second count agrees with "
                "the read (services changed during the read)",
                total,
                records,
            )

    def _records(
        self, entity: str, body: dict[str, Any], on_page: OnPage | None
    ) -> Iterator[dict[str, Any]]:
        records = 0
        for page in self._pages(entity, body):
            records += len(page.items)
            if on_page is not None:
                on_page(records, None)
            yield from page.items

    def _pages(self, entity: str, body: dict[str, Any]) -> Iterator[Page]:
        root = self._root()
        guard = PageGuard(entity, origin(http_url(root, "zone URL")))
        url = f"{root}V1.0/{entity}/query"
        number = 1
        while True:
            # Every page, the first and each nextPageUrl, is a POST with the same body:
            # Autotask answers 405 to a GET on a POST-started query.
            reply = self._requester.send("POST", url, Call(entity), json_body=body)
            page = parse_page(reply.payload, reply.status, entity, number)
            guard.check_ids(page)
            logger.debug("Autotask %s page %d: %d records", entity, number, len(page.items))
            yield page
            if page.next_url is None:
                return
            url = guard.check_next_url(page.next_url, number)
            number += 1
