"""Synchronous CloudCockpit API client: subscriptions, customers and offers of one context.

One ``X-Correlation-Id`` per client, so CloudCockpit's audit logs of a run can be found
together. See https://developer.cloudcockpit.com/group/endpoint-gdap.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any, Literal, Self
from urllib.parse import quote

import httpx

from offermap.cloudcockpit.models import (
    Customer,
    Offer,
    RecordT,
    Subscription,
    parse_records,
)
from offermap.cloudcockpit.paging import iter_pages
from offermap.cloudcockpit.session import ApiSession
from offermap.rules import OfferType, Segment
from offermap.settings import CloudCockpitSettings

logger = logging.getLogger("offermap.cloudcockpit")

OnPage = Callable[[int, int | None], None]
"""Progress callback, as for the Autotask client: (records so far, total if the API said)."""
SearchField = Literal["Name", "ProviderOfferId"]


def _correlation_id(value: str | uuid.UUID | None) -> str:
    if value is None:
        return str(uuid.uuid4())
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise ValueError(
            f"correlation_id must be a UUID (CloudCockpit's X-Correlation-Id), not {value!r}"
        ) from None


class CloudCockpitClient:
    """Reads one CloudCockpit context: the CSP's, or a reseller's when ``reseller_id`` is set.

    Use it as a context manager so the connection pool is closed. It is not thread-safe:
    open one client per task.
    """

    def __init__(
        self,
        settings: CloudCockpitSettings,
        *,
        correlation_id: str | uuid.UUID | None = None,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], None] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        """Create a client; nothing is sent until the first call.

        Args:
            settings: where and as whom to connect (see ``load_cloudcockpit_settings``).
            correlation_id: the UUID sent as ``X-Correlation-Id`` on every call, e.g. the
                run id; a new one when None.
            transport: an httpx transport to use instead of the network (tests, emulators).
            clock: a monotonic clock in seconds (token expiry, retry budget).
            sleep: waits between retries; injectable so tests do not wait.
            rng: the jitter source for backoff.

        Raises:
            ValueError: ``correlation_id`` is not a UUID.
        """
        self._settings = settings
        self._session = ApiSession(
            settings,
            correlation_id=_correlation_id(correlation_id),
            transport=transport,
            clock=clock or time.monotonic,
            sleep=sleep or time.sleep,
            rng=rng or random.Random(),
        )

    @classmethod
    def from_settings(
        cls,
        settings: CloudCockpitSettings,
        *,
        correlation_id: str | uuid.UUID | None = None,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], None] | None = None,
        rng: random.Random | None = None,
    ) -> Self:
        """Create a client from settings; same arguments as the constructor.

        Args:
            settings: where and as whom to connect.
            correlation_id: the UUID sent as ``X-Correlation-Id``; a new one when None.
            transport: an httpx transport to use instead of the network.
            clock: a monotonic clock in seconds.
            sleep: waits between retries.
            rng: the jitter source for backoff.

        Returns:
            The client.
        """
        return cls(
            settings,
            correlation_id=correlation_id,
            transport=transport,
            clock=clock,
            sleep=sleep,
            rng=rng,
        )

    def __repr__(self) -> str:
        return (
            f"CloudCockpitClient(api_url={self._settings.api_url!r}, "
            f"tenant={self._settings.tenant!r}, reseller_id={self._settings.reseller_id!r}, "
            f"correlation_id={self._session.correlation_id!r})"
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._session.close()

    @property
    def correlation_id(self) -> str:
        """The UUID sent as ``X-Correlation-Id`` on every API call of this client."""
        return self._session.correlation_id

    @property
    def context(self) -> Literal["csp", "reseller"]:
        """Whose subscriptions this client reads."""
        return "reseller" if self._settings.reseller_id else "csp"

    @property
    def requests_made(self) -> int:
        """HTTP requests sent to the API, retries included (token requests are not)."""
        return self._session.requests_made

    @property
    def token_requests(self) -> int:
        """HTTP requests sent to the token endpoint, retries included."""
        return self._session.token_requests

    @property
    def retries_made(self) -> int:
        """Retries made after 429, 5xx, timeouts or dropped connections (API and token)."""
        return self._session.retries_made

    def iter_subscriptions(
        self,
        *,
        on_page: OnPage | None = None,
        on_customers: Callable[[list[Customer]], None] | None = None,
    ) -> Iterator[Subscription]:
        """Every subscription visible in the client's context, each exactly once.

        The CSP context reads ``GET v1/subscriptions``. With a reseller id, it reads the
        reseller's customers, then ``GET v1/customers/{id}/subscriptions?resellerId=...`` for
        each, filling ``customer_id``/``reseller_id`` from that context when a record lacks them.

        Args:
            on_page: called after each page is read with (records so far, total if known);
                the total is None in the reseller context, which spans several lists.
            on_customers: called, in the reseller context only, with the customers read to
                reach their subscriptions (the whole ``iter_customers`` list), so that a caller
                who also wants them does not read them a second time.

        Yields:
            Subscriptions in API order.

        Raises:
            CloudCockpitAuthError: the credentials or a fresh token were refused.
            CloudCockpitError: a call failed, a page repeated, or a record could not be read.
        """
        reseller_id = self._settings.reseller_id
        if reseller_id is None:
            yield from self._list("v1/subscriptions", {}, Subscription, on_page)
            return
        # Customers are read in full first so their paging is not stretched over the
        # (much longer) subscription reads in between.
        customers = list(self.iter_customers(reseller_id=reseller_id))
        if on_customers is not None:
            on_customers(customers)
        logger.info(
            "CloudCockpit reseller %s: reading subscriptions of %d customers",
            reseller_id,
            len(customers),
        )
        seen: dict[str, str] = {}
        done = 0
        for customer in customers:
            path = f"v1/customers/{quote(customer.id, safe='')}/subscriptions"
            progress = None if on_page is None else _offset_progress(on_page, done)
            for record in self._list(
                path, {"resellerId": reseller_id}, Subscription, progress, seen=seen
            ):
                done += 1
                missing = {
                    name: value
                    for name, value in (("customer_id", customer.id), ("reseller_id", reseller_id))
                    if getattr(record, name) is None
                }
                yield record.model_copy(update=missing) if missing else record

    def iter_customers(
        self, reseller_id: str | None = None, *, on_page: OnPage | None = None
    ) -> Iterator[Customer]:
        """Customers of the context (``GET v1/Customers``), deleted ones included.

        Args:
            reseller_id: the reseller whose customers to read; None reads the client's own
                context (the settings' reseller, or every customer of the CSP).
            on_page: called after each page is read with (records so far, total if known).

        Yields:
            Customers in API order.

        Raises:
            CloudCockpitAuthError: the credentials or a fresh token were refused.
            CloudCockpitError: a call failed, a page repeated, or a record could not be read.
        """
        reseller = reseller_id or self._settings.reseller_id
        params = {"resellerId": reseller} if reseller else {}
        yield from self._list("v1/Customers", params, Customer, on_page)

    def list_offers(
        self,
        segment: str,
        offer_types: Sequence[str],
        search: str | None = None,
        *,
        search_field: SearchField = "Name",
        customer_id: str | None = None,
        reseller_id: str | None = None,
        on_page: OnPage | None = None,
    ) -> list[Offer]:
        """Offers of the catalogue for one segment and some offer types (``GET v1/Offers``).

        Args:
            segment: Commercial, Education, Government or NonProfit.
            offer_types: offer types such as ``["License", "AzurePlan"]`` (sent pipe-joined).
            search: a text to search for; None lists every offer.
            search_field: where to search: ``Name`` or ``ProviderOfferId`` (PRODUCT:SKU).
            customer_id: scopes prices to that customer's market.
            reseller_id: applies that reseller's margins to the prices (CSP only).
            on_page: called after each page is read with (records so far, total if known).

        Returns:
            Every matching offer, across all pages.

        Raises:
            ValueError: an unknown segment, offer type or search field, or no offer type.
            CloudCockpitAuthError: the credentials or a fresh token were refused.
            CloudCockpitError: a call failed, a page repeated, or a record could not be read.
        """
        segments = [item.value for item in Segment]
        if segment not in segments:
            raise ValueError(f"segment must be one of {', '.join(segments)}, not {segment!r}")
        known_types = [item.value for item in OfferType]
        if isinstance(offer_types, str) or not offer_types:
            raise ValueError(f"offer_types must be a non-empty list of {', '.join(known_types)}")
        unknown = [kind for kind in offer_types if kind not in known_types]
        if unknown:
            raise ValueError(
                f"unknown offer type(s) {', '.join(map(repr, unknown))}; "
                f"known: {', '.join(known_types)}"
            )
        if search_field not in ("Name", "ProviderOfferId"):
            raise ValueError(f"search_field must be Name or ProviderOfferId, not {search_field!r}")
        params: dict[str, str] = {"Segment": segment, "OfferTypes": "|".join(offer_types)}
        if search:
            params["SearchField"] = search_field
            params["SearchValue"] = search
        if customer_id:
            params["CustomerId"] = customer_id
        if reseller_id:
            params["ResellerId"] = reseller_id
        # The Offers operation documents its query parameters in PascalCase.
        return list(
            self._list("v1/Offers", params, Offer, on_page, page_keys=("PageNumber", "PageSize"))
        )

    def _list(
        self,
        path: str,
        params: Mapping[str, str],
        model: type[RecordT],
        on_page: OnPage | None,
        *,
        page_keys: tuple[str, str] = ("pageNumber", "pageSize"),
        seen: dict[str, str] | None = None,
    ) -> Iterator[RecordT]:
        endpoint = f"GET {path}"
        page_size = self._settings.page_size
        number_key, size_key = page_keys

        def fetch(page_number: int) -> Any:
            page_params = {**params, number_key: str(page_number), size_key: str(page_size)}
            return self._session.get_json(path, page_params)

        count = 0
        for page in iter_pages(fetch, endpoint=endpoint, page_size=page_size, seen=seen):
            records = parse_records(
                model, page.items, endpoint=endpoint, page_number=page.info.page_number
            )
            count += len(records)
            if on_page is not None:
                on_page(count, page.info.total_count)
            yield from records
        logger.info("CloudCockpit %s: %d records read", endpoint, count)


def _offset_progress(on_page: OnPage, before: int) -> OnPage:
    """Report one customer's list as part of the whole reseller read (no overall total)."""

    def report(done: int, total: int | None) -> None:
        on_page(before + done, None)

    return report
