"""A small in-test double of the Autotask REST API, served through respx routes.

It follows the Autotask API notes (docs/notes/autotask-api.md), independently of offermap's
sandbox emulator: zone lookup without credentials, auth headers, POST query with nextPageUrl
POSTed with the same body, query/count, entityInformation/fields, ThresholdInformation, error
bodies, and a queue of injected faults.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx
import respx

LOOKUP_HOST = "webservices.autotask.net"
ZONE_HOST = "webservices15.autotask.net"
LOOKUP_ROOT = f"https://{LOOKUP_HOST}/ATServicesRest/"
ZONE_ROOT = f"https://{ZONE_HOST}/ATServicesRest/"

USERNAME = "api-user@contoso.example"
SECRET = "S3cr3t-Value-9f8e7d"
CODE = "INTCODE-27CHARS-ABCDEFGHIJK"

PERIOD_TYPES = {"1": "Monthly", "2": "Quarterly", "3": "Semi-Annual", "4": "Yearly"}

Fault = httpx.Response | Exception


def service(i: int) -> dict[str, Any]:
    """A realistic Service record as Autotask returns it."""
    return {
        "id": i,
        "name": f"Microsoft 365 Business Premium {i}",
        "description": None,
        "invoiceDescription": f"M365 BP seat {i}",
        "periodType": 1 if i % 2 else 4,
        "unitCost": 18.5,
        "unitPrice": 22.0,
        "markupRate": 0.189,
        "isActive": i % 10 != 0,
        "sku": f"CFQ7TTC0LCHC:000{i % 10}",
        "catalogNumberPartNumber": None,
        "manufacturerServiceProvider": "Microsoft",
        "manufacturerServiceProviderProductNumber": "CFQ7TTC0LCHC",
        "externalID": None,
        "internalID": f"INT-{i}",
        "vendorCompanyID": 0,
        "billingCodeID": 29682801,
        "serviceLevelAgreementID": None,
        "createDate": "2024-01-02T03:04:05.000Z",
        "lastModifiedDate": "2026-07-28T10:11:12.123Z",
        "userDefinedFields": [],
    }


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    """An httpx response with a JSON body."""
    return httpx.Response(status, json=body, headers=headers)


def thread_threshold(status: int = 500) -> httpx.Response:
    """Autotask's thread-limit refusal."""
    return json_response(
        status,
        {
            "errors": [
                "Thread Threshold Exceeded: the Autotask API thread threshold of 3 threads "
                "has been exceeded"
            ]
        },
    )


@dataclass
class Seen:
    """One request the fake received."""

    method: str
    url: str
    headers: dict[str, str]
    body: Any


@dataclass
class FakeAutotask:
    """The fake tenant. `records` maps entity name to its records (ascending ids)."""

    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    page_size: int = 500
    # Optional explicit page sizes (for property tests); the last one repeats.
    page_plan: Sequence[int] | None = None
    threshold_count: int = 124
    threshold_limit: int = 10_000
    faults: deque[Fault | None] = field(default_factory=deque)
    before_serving: Callable[[], None] | None = None
    seen: list[Seen] = field(default_factory=list)
    _queries: dict[str, Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def install(self, router: respx.Router) -> None:
        """Route the lookup host and the zone host to this fake."""
        router.route(host=LOOKUP_HOST).mock(side_effect=self.handle)
        router.route(host=ZONE_HOST).mock(side_effect=self.handle)

    def requests_to(self, fragment: str) -> list[Seen]:
        """Requests whose URL contains `fragment` (case-insensitive)."""
        return [s for s in self.seen if fragment.lower() in s.url.lower()]

    # -- dispatch ---------------------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        with self._lock:
            self.seen.append(Seen(request.method, str(request.url), dict(request.headers), body))
        path = request.url.path.lower()
        prefix = "/atservicesrest/v1.0/"
        if not path.startswith(prefix):
            return httpx.Response(
                404, text="<html><body>404 - File or directory not found.</body></html>"
            )
        rest = path[len(prefix) :]
        if rest == "zoneinformation":
            return self._zone(request)
        if request.url.host != ZONE_HOST:
            return httpx.Response(404, text="<html>404 - File or directory not found.</html>")
        with self._lock:
            fault = self.faults.popleft() if self.faults else None
        if isinstance(fault, Exception):
            raise fault
        if fault is not None:
            return fault
        auth = self._auth(request)
        if auth is not None:
            return auth
        if self.before_serving is not None:
            self.before_serving()
        parts = rest.split("/")
        if parts == ["thresholdinformation"] and request.method == "GET":
            return json_response(
                200,
                {
                    "externalRequestThreshold": self.threshold_limit,
                    "requestThresholdTimeframe": 60,
                    "currentTimeframeRequestCount": self.threshold_count,
                },
            )
        entity = self._entity(parts[0])
        if entity is None:
            return httpx.Response(404, text="<html>404 - File or directory not found.</html>")
        tail = parts[1:]
        if tail == ["entityinformation", "fields"] and request.method == "GET":
            return self._fields(entity)
        if tail == ["query", "count"] and request.method == "POST":
            return self._count(entity, body)
        if tail == ["query"] and request.method == "POST":
            return self._first_page(entity, body)
        if tail == ["query", "next"]:
            if request.method != "POST":
                return self._verb(request.method)
            return self._next_page(entity, request, body)
        return self._verb(request.method)

    @staticmethod
    def _verb(method: str) -> httpx.Response:
        return json_response(
            405, {"Message": f"The requested resource does not support http method '{method}'."}
        )

    def _zone(self, request: httpx.Request) -> httpx.Response:
        user = request.url.params.get("user", "")
        if user.lower() != USERNAME.lower():
            return json_response(500, {"errors": ["Zone information could not be determined"]})
        return json_response(
            200,
            {
                "zoneName": "America West",
                "url": ZONE_ROOT,
                "webUrl": "https://ww15.autotask.net/",
                "ci": 7,
            },
        )

    @staticmethod
    def _auth(request: httpx.Request) -> httpx.Response | None:
        headers = request.headers
        if headers.get("UserName") != USERNAME or headers.get("Secret") != SECRET:
            return httpx.Response(401, text="")
        if headers.get("ApiIntegrationCode") != CODE:
            return json_response(500, {"errors": ["IntegrationCode is invalid."]})
        return None

    def _entity(self, segment: str) -> str | None:
        names = {name.lower(): name for name in [*self.records, "Services"]}
        return names.get(segment)

    def _fields(self, entity: str) -> httpx.Response:
        if entity != "Services":
            return json_response(
                200,
                {
                    "fields": [
                        {
                            "name": "id",
                            "dataType": "long",
                            "isPickList": False,
                            "picklistValues": None,
                        }
                    ]
                },
            )
        return json_response(
            200,
            {
                "fields": [
                    {
                        "name": "id",
                        "dataType": "long",
                        "isRequired": True,
                        "isReadOnly": True,
                        "isQueryable": True,
                        "isReference": False,
                        "referenceEntityType": "",
                        "isPickList": False,
                        "picklistValues": None,
                        "picklistParentValueField": "",
                    },
                    {
                        "name": "periodType",
                        "dataType": "integer",
                        "isRequired": True,
                        "isReadOnly": True,
                        "isQueryable": True,
                        "isReference": False,
                        "referenceEntityType": "",
                        "isPickList": True,
                        "picklistParentValueField": "",
                        "isSupportedWebhookField": False,
                        "picklistValues": [
                            {
                                "value": value,
                                "label": label,
                                "isDefaultValue": value == "1",
                                "sortOrder": int(value),
                                "parentValue": "",
                                "isActive": True,
                                "isSystem": True,
                            }
                            for value, label in PERIOD_TYPES.items()
                        ],
                    },
                ]
            },
        )

    # -- queries ----------------------------------------------------------------------------

    def _matching(self, entity: str, body: Any) -> list[dict[str, Any]] | httpx.Response:
        if not isinstance(body, dict):
            return json_response(500, {"errors": ["The request body is invalid."]})
        filters = body.get("filter") or []
        rows = self.records.get(entity, [])
        try:
            return [row for row in rows if all(_holds(f, row, entity) for f in filters)]
        except LookupError as exc:
            return json_response(500, {"errors": [str(exc.args[0])]})

    def _count(self, entity: str, body: Any) -> httpx.Response:
        rows = self._matching(entity, body)
        if isinstance(rows, httpx.Response):
            return rows
        return json_response(200, {"queryCount": len(rows)})

    def _first_page(self, entity: str, body: Any) -> httpx.Response:
        max_records = body.get("MaxRecords") if isinstance(body, dict) else None
        if max_records is not None and not 1 <= max_records <= 500:
            return json_response(
                500, {"errors": ["maxCountOfRecordsToReturn must be between 1 and 500"]}
            )
        rows = self._matching(entity, body)
        if isinstance(rows, httpx.Response):
            return rows
        with self._lock:
            token = f"q{len(self._queries) + 1}"
            self._queries[token] = body
        return self._page(entity, rows, body, token, 0, 0)

    def _next_page(self, entity: str, request: httpx.Request, body: Any) -> httpx.Response:
        paging = json.loads(request.url.params["paging"])
        original = self._queries.get(paging["query"])
        if original is None or body != original:
            return json_response(
                500, {"errors": ["Paging request does not match the original query."]}
            )
        rows = self._matching(entity, body)
        assert not isinstance(rows, httpx.Response)
        return self._page(entity, rows, body, paging["query"], paging["offset"], paging["page"])

    def _size(self, body: dict[str, Any], page: int) -> int:
        if self.page_plan:
            plan = list(self.page_plan)
            return plan[min(page, len(plan) - 1)]
        return min(body.get("MaxRecords") or self.page_size, self.page_size)

    def _page(
        self,
        entity: str,
        rows: list[dict[str, Any]],
        body: dict[str, Any],
        token: str,
        offset: int,
        page: int,
    ) -> httpx.Response:
        size = self._size(body, page)
        chunk = rows[offset : offset + size]
        include = body.get("IncludeFields")
        if include:
            wanted = {name.lower() for name in include}
            chunk = [{k: v for k, v in row.items() if k.lower() in wanted} for row in chunk]
        end = offset + size
        next_url = None
        if end < len(rows):
            paging = json.dumps(
                {"query": token, "offset": end, "page": page + 1, "pageSize": size},
                separators=(",", ":"),
            )
            next_url = f"{ZONE_ROOT}V1.0/{entity}/query/next?paging={quote(paging)}"
        return json_response(
            200,
            {
                "items": chunk,
                "pageDetails": {
                    "count": len(chunk),
                    "requestCount": size,
                    "prevPageUrl": None,
                    "nextPageUrl": next_url,
                },
            },
        )


def _value(row: dict[str, Any], name: str, entity: str) -> Any:
    for key, value in row.items():
        if key.lower() == name.lower():
            return value
    # Live wording: the singular entity name and a final period.
    singular = {"Services": "Service", "Companies": "Company"}.get(entity, entity)
    raise LookupError(f"Unable to find {name} in the {singular} Entity.")


def _holds(f: dict[str, Any], row: dict[str, Any], entity: str) -> bool:
    op = f["op"]
    if op == "and":
        return all(_holds(item, row, entity) for item in f["items"])
    if op == "or":
        return any(_holds(item, row, entity) for item in f["items"])
    actual = _value(row, f["field"], entity)
    wanted = f.get("value")
    text = str(actual or "").lower()
    checks: dict[str, Callable[[], bool]] = {
        "eq": lambda: actual == wanted,
        "noteq": lambda: actual != wanted,
        "gt": lambda: actual is not None and actual > wanted,
        "gte": lambda: actual is not None and actual >= wanted,
        "lt": lambda: actual is not None and actual < wanted,
        "lte": lambda: actual is not None and actual <= wanted,
        "beginswith": lambda: text.startswith(str(wanted).lower()),
        "endswith": lambda: text.endswith(str(wanted).lower()),
        "contains": lambda: str(wanted).lower() in text,
        "exist": lambda: actual not in (None, ""),
        "notexist": lambda: actual in (None, ""),
        "in": lambda: actual in wanted,
        "notin": lambda: actual not in wanted,
    }
    check = checks.get(op.lower())
    # Autotask ignores unknown operators instead of failing.
    return True if check is None else check()


def slow_handler(fake: FakeAutotask, hold: float) -> tuple[Callable[[], None], dict[str, int]]:
    """A `before_serving` hook that holds each request open and tracks the most in flight."""
    state = {"in_flight": 0, "max": 0}
    lock = threading.Lock()

    def hook() -> None:
        with lock:
            state["in_flight"] += 1
            state["max"] = max(state["max"], state["in_flight"])
        time.sleep(hold)  # the server is slow; the client never sleeps for real
        with lock:
            state["in_flight"] -= 1

    return hook, state
