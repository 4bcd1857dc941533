"""Helpers for the CloudCockpit client tests: settings, a fake clock, a token endpoint, records."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from pydantic import SecretStr

from offermap.settings import CloudCockpitSettings

API_URL = "https://api.cloudcockpit.com/"
TOKEN_URL = "https://login.microsoftonline.com/contoso-tenant/oauth2/v2.0/token"
CLIENT_ID = "11111111-2222-3333-4444-555555555555"
CLIENT_SECRET = "Xq8~never-show-this-secret"
SCOPE = "api://cloudcockpit-app/.default"
TENANT = "portal.example-csp.com"


def token_value(n: int) -> str:
    """The n-th access token the fake token endpoint issues (distinct, JWT-looking)."""
    return f"eyJ0eXAiOiJKV1QifQ.token-number-{n}.sig"


class FakeClock:
    """A monotonic clock that only moves when told to, or when the client sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def make_settings(**overrides: Any) -> CloudCockpitSettings:
    values: dict[str, Any] = {
        "api_url": API_URL,
        "token_url": TOKEN_URL,
        "client_id": CLIENT_ID,
        "client_secret": SecretStr(CLIENT_SECRET),
        "scope": SCOPE,
        "tenant": TENANT,
        "reseller_id": None,
        "page_size": 1000,
        "timeout_seconds": 20.0,
        "max_retries": 3,
        "retry_budget_seconds": 300.0,
    }
    values.update(overrides)
    return CloudCockpitSettings(_env_file=None, **values)  # type: ignore[call-arg]


class TokenEndpoint:
    """A fake Entra token endpoint issuing numbered tokens, recording each form it got."""

    def __init__(self, expires_in: Any = 3600) -> None:
        self.expires_in = expires_in
        self.forms: list[dict[str, str]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        form = dict(httpx.QueryParams(request.content.decode()))
        self.forms.append(form)
        body = {
            "token_type": "Bearer",
            "expires_in": self.expires_in,
            "ext_expires_in": self.expires_in,
            "access_token": token_value(len(self.forms)),
        }
        return httpx.Response(200, json=body)


def subscription(n: int, **overrides: Any) -> dict[str, Any]:
    """A subscription list item in CloudCockpit's wire format."""
    record: dict[str, Any] = {
        "id": f"00000000-0000-4000-8000-{n:012d}",
        "orderId": f"10000000-0000-4000-8000-{n:012d}",
        "offerId": "2b5c1a37-5a3b-4b8e-9b7e-0d1c2f3a4b5c",
        "customerId": f"c0000000-0000-4000-8000-{n % 7:012d}",
        "providerInstanceId": "9f9f9f9f-0000-4000-8000-000000000001",
        "resellerId": None,
        "subscriptionName": f"M365 BP seats {n}",
        "offerName": "Microsoft 365 Business Premium",
        "providerOfferId": "CFQ7TTC0LCHC:0002",
        "offerType": {"name": "License"},
        "isAddonOffer": False,
        "isTrialOffer": False,
        "subscriptionStatus": {"name": "Active"},
        "startDate": "2024-05-04T09:42:00+00:00",
        "endDate": "2025-05-03T09:42:00+00:00",
        "cancellationAllowedUntil": None,
        "quantity": 5 + n % 20,
        "assignedLicenses": 3,
        "listPrice": {"value": 264.0, "currency": {"name": "EUR"}},
        "revenuePrice": {"value": 290.4, "currency": {"name": "EUR"}},
        "erpPrice": {"value": 264.0, "currency": {"name": "EUR"}},
        "customMargin": {"rule": {"name": "Markup"}, "value": 10},
        "billingFrequency": {"name": "Monthly"},
        "billingType": {"name": "License"},
        "termDuration": {"name": "OneYear"},
        "segment": {"name": "Commercial"},
    }
    record.update(overrides)
    return record


def paged(
    records: list[dict[str, Any]],
    *,
    total_key: str | None = "totalCount",
    number_key: str = "pageNumber",
    size_key: str = "pageSize",
) -> Callable[[httpx.Request], httpx.Response]:
    """A respx side effect serving ``records`` by page number and size, as CloudCockpit does."""

    def respond(request: httpx.Request) -> httpx.Response:
        number = int(request.url.params.get(number_key, "1"))
        size = int(request.url.params.get(size_key, "25"))
        body: dict[str, Any] = {"items": records[(number - 1) * size : number * size]}
        if total_key:
            body[total_key] = len(records)
        return httpx.Response(200, json=body)

    return respond


def error_body(status: int, description: str, **extra: Any) -> dict[str, Any]:
    """CloudCockpit's error body."""
    body: dict[str, Any] = {
        "statusCode": status,
        "type": "ValidationError",
        "description": description,
        "correlationId": "5a1f6c1e-1111-4222-8333-944445555666",
        "errors": [],
    }
    body.update(extra)
    return body
