"""The Autotask REST API emulator: zone lookup, auth, limits, Services and Companies."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response

from offermap.sandbox.autotask_entities import (
    COMPANY_FIELDS,
    COMPANY_TYPES,
    COMPANY_UDFS,
    SERVICE_FIELDS,
    SLA_LABELS,
    EntityStore,
    company_udfs,
    picklist,
)
from offermap.sandbox.autotask_query import (
    Cursor,
    Query,
    QueryError,
    loads_lenient,
    page_payload,
    parse_query,
    project,
    query_fingerprint,
)
from offermap.sandbox.credentials import SandboxCredentials
from offermap.sandbox.limits import (
    DroppedResponse,
    FaultInjector,
    Gate,
    Knobs,
    Lifeline,
    Limiter,
    Stats,
    malformed_json,
    pause,
)
from offermap.sandbox.service_catalog import BILLING_CODES
from offermap.sandbox.tenant import Tenant

NOT_FOUND_HTML = (
    "<!DOCTYPE html><html><head><title>404 - File or directory not found.</title></head><body>"
    "<h2>404 - File or directory not found.</h2><h3>The resource you are looking for might have "
    "been removed, had its name changed, or is temporarily unavailable.</h3></body></html>"
)
_KIND_NAMES = {"entityinformation": "entityInformation", "userdefinedfields": "userDefinedFields"}
# IIS refuses longer URLs with its 404 page: a GET search (or a GET-started query's next page,
# which carries the search again) past it fails on live Autotask, so it fails here too.
MAX_URL_LENGTH = 2048
UNAVAILABLE_HTML = "<html><body><h1>Service Unavailable</h1><p>HTTP Error 503.</p></body></html>"


@dataclass
class AutotaskKnobs(Knobs):
    """Knobs of the Autotask emulator.

    Attributes:
        reject_read_only_updates: when True, a PATCH/PUT naming a read-only field
            (periodType after create, markupRate, audit fields) fails with a 500;
            when False (default) those fields are silently ignored.
        usage_latency: (share of the hourly threshold used, extra seconds) steps: third
            parties report Autotask adding ~0.5 s per call from 50 % and ~1 s from 75 %
            (unconfirmed, so off by default), e.g. `((0.5, 0.5), (0.75, 1.0))`.
        drop_next_page_on: a lie seen live: the query page with this number (1 = the first)
            answers no nextPageUrl although more records follow; 0 = never.
        empty_query_pages: a lie seen live: query pages answer no records (and no next page)
            while `/query/count` still tells the truth.
    """

    reject_read_only_updates: bool = False
    usage_latency: tuple[tuple[float, float], ...] = ()
    drop_next_page_on: int = 0
    empty_query_pages: bool = False


def _errors(status: int, *messages: str) -> JSONResponse:
    return JSONResponse({"errors": list(messages)}, status_code=status)


def _not_allowed(method: str) -> JSONResponse:
    return JSONResponse(
        {"Message": f"The requested resource does not support http method '{method}'."},
        status_code=405,
    )


def _not_found() -> HTMLResponse:
    return HTMLResponse(NOT_FOUND_HTML, status_code=404)


def _query_param(request: Request, name: str) -> str | None:
    # ASP.NET binds query parameters case-insensitively.
    for key, value in request.query_params.multi_items():
        if key.lower() == name.lower():
            return value
    return None


class AutotaskEmulator:
    """Serves one tenant's Autotask database under `<base>autotask/`."""

    def __init__(self, tenant: Tenant, credentials: SandboxCredentials) -> None:
        """Load the tenant's services and companies; writes never change the tenant object."""
        self.credentials = credentials
        self.knobs = AutotaskKnobs()
        self.stats = Stats()
        self._limiter = Limiter(self.stats)
        # Tests close it to hold requests in flight (see limits.Gate).
        self.gate = Gate()
        self._faults = FaultInjector(self.knobs)
        self.lifeline = Lifeline(self.knobs)
        # Signs the paging cursors, so a cursor altered by a client is refused.
        self._cursor_key = secrets.token_bytes(32)
        period_labels = dict(tenant.period_types)
        self.entities: dict[str, EntityStore] = {
            "services": EntityStore(
                "Services",
                "Service",
                SERVICE_FIELDS,
                tenant.autotask_services,
                {
                    "periodType": picklist(period_labels, default="Monthly"),
                    "serviceLevelAgreementID": picklist(SLA_LABELS),
                },
                can_create=True,
                can_update=True,
            ),
            "companies": EntityStore(
                "Companies",
                "Company",
                COMPANY_FIELDS,
                [dict(c, userDefinedFields=company_udfs(c)) for c in tenant.autotask_companies],
                {"companyType": picklist(COMPANY_TYPES, default="Customer")},
                can_create=False,
                can_update=False,
                udfs=COMPANY_UDFS,
            ),
        }
        company_ids = {int(c["id"]) for c in tenant.autotask_companies}
        self._references: dict[str, set[int]] = {
            "billingCodeID": set(BILLING_CODES),
            "vendorCompanyID": company_ids,
        }
        self.zone_host = credentials.autotask_zone_host

    def load(self, entity: str, records: list[dict[str, Any]]) -> None:
        """Serve `records` as the entity's records from now on (tests and benchmarks).

        Raises:
            KeyError: the emulator has no such entity.
            ValueError: two records share an id.
        """
        self.entities[entity.lower()].replace(records)

    # -- entry point ---------------------------------------------------------------------------

    async def handle(self, request: Request, path: str) -> Response:
        """Answer a request whose lower-cased path below `autotask/` is `path`."""
        if self.lifeline.dies_now():
            return DroppedResponse()
        if len(str(request.url)) > MAX_URL_LENGTH:
            self.stats.rejections["url_too_long"] += 1
            return _not_found()
        parts = [p for p in path.split("/") if p]
        if parts[:1] == [self.zone_host]:
            parts = parts[1:]
            in_zone = True
        else:
            in_zone = False
        if parts[:1] != ["atservicesrest"]:
            return _not_found()
        rest = parts[1:]
        if rest == ["versioninformation"]:
            self.stats.record(request.method, "VersionInformation")
            if request.method != "GET":
                return _not_allowed(request.method)
            return JSONResponse({"apiVersions": ["1.0"]})
        if rest[:1] != ["v1.0"] or len(rest) < 2:
            return _not_found()
        rest = rest[1:]
        if rest == ["zoneinformation"]:
            return self._zone_information(request)
        # Live Autotask checks the credentials before it looks at the entity: an entity it
        # does not have (or the emulator does not implement) is a 401 before it is a 404.
        auth_failure = self._authenticate(request)
        if auth_failure is not None:
            return auth_failure
        if not in_zone:
            # The lookup host is not this user's zone: real Autotask answers 401 there.
            return PlainTextResponse("Unauthorized", status_code=401)
        endpoint = self._endpoint_name(rest[0])
        if endpoint is None:
            return _not_found()
        return await self._limited(request, endpoint, rest)

    # -- zone, auth, limits ----------------------------------------------------------------------

    def _zone_information(self, request: Request) -> Response:
        self.stats.record(request.method, "ZoneInformation")
        if request.method != "GET":
            return _not_allowed(request.method)
        user = _query_param(request, "user") or ""
        if user.strip().lower() != self.credentials.autotask_username.lower():
            return _errors(500, "Zone information could not be determined")
        base = str(request.base_url)
        return JSONResponse(
            {
                "zoneName": self.credentials.autotask_zone_name,
                "url": f"{base}autotask/{self.zone_host}/ATServicesRest/",
                "webUrl": f"{base}autotask/ww15/",
                "ci": 15,
            }
        )

    def _authenticate(self, request: Request) -> Response | None:
        creds = self.credentials
        user = request.headers.get("UserName", "")
        secret = request.headers.get("Secret", "")
        code = request.headers.get("ApiIntegrationCode", "")
        if user.lower() != creds.autotask_username.lower() or not secrets.compare_digest(
            secret.encode(), creds.autotask_secret.encode()
        ):
            self.stats.rejections["unauthorized"] += 1
            return PlainTextResponse("Unauthorized", status_code=401)
        if not secrets.compare_digest(code.encode(), creds.autotask_integration_code.encode()):
            self.stats.rejections["integration_code"] += 1
            return _errors(500, "IntegrationCode is invalid.")
        return None

    def _endpoint_name(self, segment: str) -> str | None:
        if segment == "thresholdinformation":
            return "ThresholdInformation"
        store = self.entities.get(segment)
        return store.name if store is not None else None

    async def _limited(self, request: Request, endpoint: str, rest: list[str]) -> Response:
        knobs = self.knobs
        kind = self._kind(endpoint, rest)
        self.stats.record(request.method, kind)
        if self._limiter.over_hourly(knobs.hourly_threshold):
            self.stats.rejections["hourly_threshold"] += 1
            response = _errors(
                429,
                "API Threshold Exceeded: the hourly request threshold of "
                f"{knobs.hourly_threshold} requests has been reached.",
            )
            response.headers["Retry-After"] = str(knobs.retry_after_seconds)
            return response
        self._limiter.note_request()
        owner = self.credentials.autotask_integration_code
        in_flight = self._limiter.enter(owner, endpoint)
        try:
            if in_flight > knobs.thread_threshold:
                self.stats.rejections["thread_threshold"] += 1
                return _errors(
                    500,
                    "Thread Threshold Exceeded — The Autotask API thread threshold of "
                    f"{knobs.thread_threshold} threads has been exceeded",
                )
            await self.gate.pass_through()
            await pause(knobs.latency_seconds + self.usage_latency())
            fault = self._faults.draw()
            if fault is not None:
                self.stats.faults[fault] += 1
                if fault == "slow":
                    await pause(knobs.slow_seconds)
                elif fault == "server_error":
                    return HTMLResponse(UNAVAILABLE_HTML, status_code=503)
                elif fault == "rate_limited":
                    response = _errors(429, "API Threshold Exceeded (sandbox fault injection).")
                    response.headers["Retry-After"] = str(knobs.retry_after_seconds)
                    return response
                elif fault == "dropped":
                    return DroppedResponse()
                elif fault == "malformed":
                    return malformed_json()
            return await self._dispatch(request, endpoint, rest)
        finally:
            self._limiter.leave(owner, endpoint)

    def forget_hour(self) -> None:
        """Start a new hourly request window (a test's new hour on a long-lived emulator)."""
        self._limiter.forget_hour()

    def usage_latency(self) -> float:
        """The delay `knobs.usage_latency` adds to each request at the current hourly usage."""
        knobs = self.knobs
        if not knobs.usage_latency or knobs.hourly_threshold <= 0:
            return 0.0
        usage = self._limiter.hourly_count() / knobs.hourly_threshold
        return max((extra for share, extra in knobs.usage_latency if usage >= share), default=0.0)

    @staticmethod
    def _kind(endpoint: str, rest: list[str]) -> str:
        # The counters' path kinds: "Services/query/next", "Services/{id}", ...
        tail = ["{id}" if p.isdigit() else _KIND_NAMES.get(p, p) for p in rest[1:]]
        return "/".join([endpoint, *tail])

    # -- endpoints ---------------------------------------------------------------------------------

    async def _dispatch(self, request: Request, endpoint: str, rest: list[str]) -> Response:
        method = request.method
        if endpoint == "ThresholdInformation":
            if len(rest) != 1:
                return _not_found()
            if method != "GET":
                return _not_allowed(method)
            return JSONResponse(
                {
                    "externalRequestThreshold": self.knobs.hourly_threshold,
                    "requestThresholdTimeframe": 60,
                    "currentTimeframeRequestCount": self._limiter.hourly_count(),
                }
            )
        store = self.entities[rest[0]]
        tail = rest[1:]
        try:
            if not tail:
                return await self._collection(request, store)
            if tail[0] == "entityinformation":
                if method != "GET":
                    return _not_allowed(method)
                if len(tail) == 1:
                    return JSONResponse(store.info())
                if tail[1:] == ["fields"]:
                    return JSONResponse(store.field_info())
                if tail[1:] == ["userdefinedfields"]:
                    return JSONResponse(store.udf_info())
                return _not_found()
            if tail[0] == "query":
                return await self._query_endpoint(request, store, tail[1:])
            if len(tail) == 1 and tail[0].isdigit():
                if method != "GET":
                    return _not_allowed(method)
                record = store.get(int(tail[0]))
                return JSONResponse({"item": None if record is None else project(record, None)})
            return _not_found()
        except QueryError as exc:
            return _errors(500, str(exc))

    async def _collection(self, request: Request, store: EntityStore) -> Response:
        method = request.method
        if method not in ("POST", "PATCH", "PUT") or not store.can_create:
            return _not_allowed(method)
        body = await self._json_body(request)
        if method == "POST":
            return JSONResponse({"itemId": store.create(body, self._references)})
        item_id = store.update(
            body,
            self._references,
            replace=method == "PUT",
            reject_read_only=self.knobs.reject_read_only_updates,
        )
        return JSONResponse({"itemId": item_id})

    @staticmethod
    async def _json_body(request: Request) -> Any:
        raw = await request.body()
        if not raw.strip():
            raise QueryError("The request body is empty.")
        try:
            return loads_lenient(raw)
        except ValueError:
            raise QueryError("The request body is not valid JSON.") from None

    async def _query_endpoint(
        self, request: Request, store: EntityStore, tail: list[str]
    ) -> Response:
        method = request.method
        if method not in ("GET", "POST"):
            return _not_allowed(method)
        search = _query_param(request, "search")
        if tail == ["next"]:
            # A next page must be asked for with the first request's verb: a GET-started
            # query carries its search in the URL, a POST-started one does not.
            if (method == "GET") != (search is not None):
                return _not_allowed(method)
            paging_text = _query_param(request, "paging")
            if paging_text is None:
                raise QueryError("The paging parameter is required.")
            cursor = Cursor.decode(paging_text, self._cursor_key)
            body = await self._query_body(request, method, search)
            if cursor.entity != store.name or cursor.query != query_fingerprint(body):
                raise QueryError("The paging parameter is not valid.")
            query = parse_query(store.shape, body)
            if cursor.before is not None:
                page = store.scan_before(query.predicate, cursor.before, cursor.page_size)
            else:
                # Anchored on the last id served, so records deleted meanwhile end nothing.
                page = store.scan(query.predicate, cursor.after, cursor.page_size)
            return self._page(request, store, query, body, page, cursor, search)
        if tail not in ([], ["count"]):
            return _not_found()
        body = await self._query_body(request, method, search)
        query = parse_query(store.shape, body)
        if tail == ["count"]:
            return JSONResponse({"queryCount": store.count(query.predicate)})
        page = store.scan(query.predicate, None, query.max_records)
        first = Cursor(store.name, query_fingerprint(body), query.max_records, number=1)
        # Only a GET-started query carries its search into the next page's URL.
        origin_search = search if method == "GET" else None
        return self._page(request, store, query, body, page, first, origin_search)

    async def _query_body(self, request: Request, method: str, search: str | None) -> Any:
        if method == "GET":
            if search is None:
                raise QueryError("The search parameter is required.")
            try:
                return loads_lenient(search)
            except ValueError:
                raise QueryError("The search parameter is not valid JSON.") from None
        return await self._json_body(request)

    def _page(
        self,
        request: Request,
        store: EntityStore,
        query: Query,
        body: Any,
        page: list[dict[str, Any]],
        asked: Cursor,
        search: str | None,
    ) -> Response:
        knobs = self.knobs
        if knobs.empty_query_pages:
            page = []  # the lie: nothing here, though /query/count says otherwise
        last = int(page[-1]["id"]) if page else None
        more = last is not None and bool(store.scan(query.predicate, last, 1))
        if knobs.drop_next_page_on == asked.number:
            more = False  # the lie: no next page, though records follow

        def cursor(number: int, *, after: int | None = None, before: int | None = None) -> str:
            return Cursor(
                store.name,
                asked.query,
                asked.page_size,
                number,
                after=after,
                before=before,
                issued=int(time.time()),
            ).encode(self._cursor_key)

        next_cursor = cursor(asked.number + 1, after=last) if more else None
        prev_cursor = None
        if asked.number > 1 and page:
            prev_cursor = cursor(asked.number - 1, before=int(page[0]["id"]))
        root = f"{request.base_url}autotask/{self.zone_host}/ATServicesRest/"
        next_url = f"{root}V1.0/{store.name}/query/next"
        return JSONResponse(page_payload(next_url, query, page, next_cursor, prev_cursor, search))
