"""The CloudCockpit API emulator, with the Microsoft Entra client-credentials token endpoint."""

from __future__ import annotations

import base64
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, unquote

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from offermap.sandbox.credentials import SandboxCredentials
from offermap.sandbox.limits import (
    DroppedResponse,
    FaultInjector,
    Knobs,
    Lifeline,
    Limiter,
    Stats,
    malformed_json,
    pause,
)
from offermap.sandbox.tenant import Tenant

MAX_PAGE_SIZE = 2000
DEFAULT_PAGE_SIZE = 25
_STATUS_TITLES = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    503: "ServiceUnavailable",
}


@dataclass
class CloudCockpitKnobs(Knobs):
    """Knobs of the CloudCockpit emulator.

    Attributes:
        token_lifetime_seconds: how long an issued access token stays valid.
        empty_without_total: a lie seen live: every list answers `{"items": []}`, with no
            total count, however many records it has.
    """

    token_lifetime_seconds: float = 3599.0
    # CloudCockpit documents no thread limit; only a peak is recorded unless a test sets one.
    thread_threshold: int = 1_000_000
    empty_without_total: bool = False


class ApiError(Exception):
    """An error CloudCockpit answers with its error body."""

    def __init__(
        self, status: int, description: str, errors: dict[str, list[str]] | None = None
    ) -> None:
        """Describe the error: HTTP status, a sentence, and per-property messages."""
        super().__init__(description)
        self.status = status
        self.description = description
        self.errors = errors or {}


def _query(request: Request) -> dict[str, str]:
    # ASP.NET binds query parameters case-insensitively; keep the last value of each name.
    return {k.lower(): v for k, v in request.query_params.multi_items()}


def _entra_error(status: int, error: str, code: int, text: str) -> JSONResponse:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    trace = str(uuid.uuid4())
    return JSONResponse(
        {
            "error": error,
            "error_description": f"AADSTS{code}: {text} Trace ID: {trace} Timestamp: {now}",
            "error_codes": [code],
            "timestamp": now,
            "trace_id": trace,
            "correlation_id": str(uuid.uuid4()),
        },
        status_code=status,
    )


class CloudCockpitEmulator:
    """Serves CloudCockpit data under `<base>cloudcockpit/`, Entra tokens under `<base>entra/`."""

    def __init__(self, tenant: Tenant, credentials: SandboxCredentials) -> None:
        """Index the tenant's customers, subscriptions and offers."""
        self.credentials = credentials
        self.knobs = CloudCockpitKnobs()
        self.stats = Stats()
        self._limiter = Limiter(self.stats)
        self._faults = FaultInjector(self.knobs)
        self.lifeline = Lifeline(self.knobs)
        # When tokens expire is read from this clock; tests replace it to expire one at once.
        self.clock: Callable[[], float] = time.monotonic
        self._tokens: dict[str, float] = {}
        self.customers = tenant.cc_customers
        self.subscriptions = tenant.cc_subscriptions
        self.offers = tenant.cc_offers
        self._customers_by_id = {c["id"].lower(): c for c in tenant.cc_customers}
        self._subs_by_customer: dict[str, list[dict[str, Any]]] = {}
        for sub in tenant.cc_subscriptions:
            self._subs_by_customer.setdefault(sub["customerId"].lower(), []).append(sub)

    # -- Entra token endpoint ---------------------------------------------------------------------

    async def token(self, request: Request, path: str) -> Response:
        """Answer `entra/{tenant}/oauth2/v2.0/token` (path lower-cased, below `entra/`)."""
        if self.lifeline.dies_now():
            return DroppedResponse()
        self.stats.record(request.method, "token")
        creds = self.credentials
        parts = [p for p in path.split("/") if p]
        if parts[1:] != ["oauth2", "v2.0", "token"]:
            return HTMLResponse("<h1>404 Not Found</h1>", status_code=404)
        if parts[0] != creds.entra_tenant_id.lower():
            return _entra_error(400, "invalid_request", 90002, f"Tenant '{parts[0]}' not found.")
        if request.method != "POST":
            return _entra_error(
                405, "invalid_request", 900561, "The endpoint only accepts POST requests."
            )
        form = {
            k: v[-1] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()
        }
        client_id, client_secret = form.get("client_id", ""), form.get("client_secret", "")
        basic = request.headers.get("Authorization", "")
        if basic.lower().startswith("basic "):
            try:
                decoded = base64.b64decode(basic[6:]).decode()
                client_id, _, client_secret = (unquote(p) for p in decoded.partition(":"))
            except ValueError:
                return _entra_error(
                    401, "invalid_client", 7000215, "Invalid client secret provided."
                )
        if form.get("grant_type") != "client_credentials":
            return _entra_error(
                400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type."
            )
        if client_id != creds.cloudcockpit_client_id:
            return _entra_error(
                400,
                "unauthorized_client",
                700016,
                f"Application with identifier '{client_id}' was not found in the directory.",
            )
        if not secrets.compare_digest(
            client_secret.encode(), creds.cloudcockpit_client_secret.encode()
        ):
            return _entra_error(
                401,
                "invalid_client",
                7000215,
                "Invalid client secret provided. Ensure the secret being sent in the request is "
                "the client secret value, not the client secret ID.",
            )
        if form.get("scope") != creds.cloudcockpit_scope:
            return _entra_error(
                400, "invalid_scope", 1002012, "The provided value for scope is not valid."
            )
        token = secrets.token_urlsafe(48)
        lifetime = self.knobs.token_lifetime_seconds
        self._tokens[token] = self.clock() + lifetime
        return JSONResponse(
            {
                "token_type": "Bearer",
                "expires_in": int(lifetime),
                "ext_expires_in": int(lifetime),
                "access_token": token,
            }
        )

    # -- API --------------------------------------------------------------------------------------

    async def handle(self, request: Request, path: str) -> Response:
        """Answer an API request whose lower-cased path below `cloudcockpit/` is `path`."""
        if self.lifeline.dies_now():
            return DroppedResponse()
        correlation = request.headers.get("X-Correlation-Id") or str(uuid.uuid4())
        parts = [p for p in path.split("/") if p]
        kind = self._kind(parts)
        self.stats.record(request.method, kind)
        try:
            self._authorize(request)
            in_flight = self._limiter.enter("api", kind)
            try:
                return await self._limited(request, parts, kind, in_flight, correlation)
            finally:
                self._limiter.leave("api", kind)
        except ApiError as exc:
            return self._error(exc, correlation)

    def forget_hour(self) -> None:
        """Start a new hourly request window (a test's new hour on a long-lived emulator)."""
        self._limiter.forget_hour()

    @staticmethod
    def _kind(parts: list[str]) -> str:
        shape = [
            "{id}"
            if i % 2 == 0 and i > 0 and parts[i - 1] in ("customers", "subscriptions", "offers")
            else p
            for i, p in enumerate(parts)
        ]
        return "/".join(shape)

    def _error(self, exc: ApiError, correlation: str) -> JSONResponse:
        response = JSONResponse(
            {
                "statusCode": exc.status,
                "type": _STATUS_TITLES.get(exc.status, "Error"),
                "description": exc.description,
                "correlationId": correlation,
                "errors": [{"propertyName": k, "description": v} for k, v in exc.errors.items()],
            },
            status_code=exc.status,
        )
        if exc.status == 401:
            response.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
        return response

    def _authorize(self, request: Request) -> None:
        auth = request.headers.get("Authorization", "")
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(401, "Authorization header with a Bearer token is required.")
        expiry = self._tokens.get(token.strip())
        if expiry is None:
            raise ApiError(401, "The access token is invalid.")
        if self.clock() >= expiry:
            raise ApiError(401, "The access token has expired.")
        tenant = request.headers.get("X-Tenant")
        if not tenant:
            raise ApiError(
                400,
                "The X-Tenant header is required.",
                {"X-Tenant": ["The X-Tenant header is required."]},
            )
        if tenant.strip().lower() != self.credentials.cloudcockpit_tenant.lower():
            raise ApiError(
                403,
                f"Tenant '{tenant}' is not accessible with these credentials.",
                {"X-Tenant": [f"Unknown tenant '{tenant}'."]},
            )

    async def _limited(
        self, request: Request, parts: list[str], kind: str, in_flight: int, correlation: str
    ) -> Response:
        knobs = self.knobs
        if self._limiter.over_hourly(knobs.hourly_threshold) or in_flight > knobs.thread_threshold:
            self.stats.rejections["rate_limited"] += 1
            response = self._error(ApiError(429, "Too many requests."), correlation)
            response.headers["Retry-After"] = str(knobs.retry_after_seconds)
            return response
        self._limiter.note_request()
        await pause(knobs.latency_seconds)
        fault = self._faults.draw()
        if fault is not None:
            self.stats.faults[fault] += 1
            if fault == "slow":
                await pause(knobs.slow_seconds)
            elif fault == "server_error":
                return self._error(
                    ApiError(503, "The service is temporarily unavailable."), correlation
                )
            elif fault == "rate_limited":
                response = self._error(ApiError(429, "Too many requests."), correlation)
                response.headers["Retry-After"] = str(knobs.retry_after_seconds)
                return response
            elif fault == "dropped":
                return DroppedResponse()
            elif fault == "malformed":
                return malformed_json()
        if request.method != "GET":
            raise ApiError(405, f"The method {request.method} is not allowed here.")
        return self._route(request, parts)

    def _route(self, request: Request, parts: list[str]) -> Response:
        q = _query(request)
        if parts == ["v1", "subscriptions"]:
            return self._paged(self.subscriptions, q)
        if parts == ["v1", "customers"]:
            items = self.customers
            if q.get("resellerid"):
                items = [
                    c for c in items if (c["resellerId"] or "").lower() == q["resellerid"].lower()
                ]
            return self._paged(items, q)
        if len(parts) >= 3 and parts[:2] == ["v1", "customers"]:
            customer = self._customers_by_id.get(parts[2])
            if customer is None:
                raise ApiError(404, f"Customer '{parts[2]}' was not found.")
            if len(parts) == 3:
                return JSONResponse(customer)
            if parts[3] == "subscriptions":
                subs = self._subs_by_customer.get(parts[2], [])
                if len(parts) == 5:
                    found = next((s for s in subs if s["id"].lower() == parts[4]), None)
                    if found is None:
                        raise ApiError(404, f"Subscription '{parts[4]}' was not found.")
                    return JSONResponse(found)
                if len(parts) == 4:
                    return self._paged(self._filter_subscriptions(subs, q), q)
        if parts == ["v1", "offers"]:
            return self._paged(self._filter_offers(q), q)
        raise ApiError(404, "The requested resource was not found.")

    @staticmethod
    def _filter_subscriptions(
        subs: list[dict[str, Any]], q: dict[str, str]
    ) -> list[dict[str, Any]]:
        if q.get("statuses"):
            wanted = {s.strip().lower() for s in q["statuses"].split("|") if s.strip()}
            subs = [s for s in subs if s["subscriptionStatus"]["name"].lower() in wanted]
        if q.get("resellerid"):
            subs = [s for s in subs if (s["resellerId"] or "").lower() == q["resellerid"].lower()]
        if q.get("offerid"):
            subs = [s for s in subs if s["offerId"].lower() == q["offerid"].lower()]
        return subs

    def _filter_offers(self, q: dict[str, str]) -> list[dict[str, Any]]:
        problems: dict[str, list[str]] = {}
        if not q.get("segment"):
            problems["Segment"] = ["The Segment field is required."]
        if not q.get("offertypes"):
            problems["OfferTypes"] = ["The OfferTypes field is required."]
        if problems:
            raise ApiError(400, "One or more validation errors occurred.", problems)
        segment = q["segment"].lower()
        types = {t.strip().lower() for t in q["offertypes"].split("|") if t.strip()}
        out = []
        for offer in self.offers:
            if offer["offerType"]["name"].lower() not in types:
                continue
            prices = [p for p in offer["prices"] if p["segment"]["name"].lower() == segment]
            if prices:
                out.append({**offer, "prices": prices})
        field = (q.get("searchfield") or "Name").lower()
        needle = (q.get("searchvalue") or q.get("search") or "").lower()
        if needle:
            key = "providerOfferId" if field == "providerofferid" else "name"
            out = [o for o in out if needle in str(o[key]).lower()]
        return out

    def _paged(self, items: list[dict[str, Any]], q: dict[str, str]) -> Response:
        problems: dict[str, list[str]] = {}
        page_number, page_size = 1, DEFAULT_PAGE_SIZE
        try:
            page_number = int(q.get("pagenumber", "1"))
            if page_number < 1:
                raise ValueError
        except ValueError:
            problems["PageNumber"] = ["PageNumber must be greater than or equal to 1."]
        try:
            page_size = int(q.get("pagesize", str(DEFAULT_PAGE_SIZE)))
            if not 1 <= page_size <= MAX_PAGE_SIZE:
                raise ValueError
        except ValueError:
            problems["PageSize"] = [f"PageSize must be between 1 and {MAX_PAGE_SIZE}."]
        if problems:
            raise ApiError(400, "One or more validation errors occurred.", problems)
        if self.knobs.empty_without_total:
            return JSONResponse({"items": []})  # the lie: nothing, and no total to say so
        start = (page_number - 1) * page_size
        return JSONResponse(
            {
                "items": items[start : start + page_size],
                "totalCount": len(items),
                "pageNumber": page_number,
                "pageSize": page_size,
            }
        )
