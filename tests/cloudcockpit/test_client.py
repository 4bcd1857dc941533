"""The client's calls: headers, correlation id, reseller context, customers, offers, secrecy."""

from __future__ import annotations

import logging
import uuid

import httpx
import pytest

from offermap.cloudcockpit import (
    CloudCockpitAuthError,
    CloudCockpitClient,
    CloudCockpitError,
)

from .support import (
    API_URL,
    CLIENT_SECRET,
    TENANT,
    TOKEN_URL,
    make_settings,
    paged,
    subscription,
    token_value,
)

SUBSCRIPTIONS = f"{API_URL}v1/subscriptions"
CUSTOMERS = f"{API_URL}v1/Customers"
OFFERS = f"{API_URL}v1/Offers"
RESELLER = "7e57a11e-0000-4000-8000-000000000042"


def customer(n: int, **overrides: object) -> dict[str, object]:
    record: dict[str, object] = {
        "id": f"c0000000-0000-4000-8000-{n:012d}",
        "companyName": f"Customer {n}",
        "resellerId": RESELLER,
        "country": "PT",
    }
    record.update(overrides)
    return record


def held_reprs(obj: object, depth: int = 3) -> list[str]:
    """The reprs of an object and of everything it holds, down through offermap's objects."""
    shown = [repr(obj)]
    # Only offermap's own objects are opened; a SecretStr, say, is judged by its repr.
    if depth and type(obj).__module__.startswith("offermap.cloudcockpit"):
        for value in vars(obj).values():
            shown.extend(held_reprs(value, depth - 1))
    return shown


def test_sends_bearer_tenant_and_one_correlation_id_on_every_call(api, token_endpoint, make_client):
    route = api.get(SUBSCRIPTIONS).mock(side_effect=paged([subscription(n) for n in range(5)]))
    customers = api.get(CUSTOMERS).mock(side_effect=paged([customer(1)]))
    client = make_client(page_size=2)

    list(client.iter_subscriptions())
    list(client.iter_customers())

    calls = [*route.calls, *customers.calls]
    assert len(calls) == 4
    for call in calls:
        headers = call.request.headers
        assert headers["Authorization"] == f"Bearer {token_value(1)}"
        assert headers["X-Tenant"] == TENANT
        assert headers["X-Correlation-Id"] == client.correlation_id
        assert headers["Accept"] == "application/json"
    assert str(uuid.UUID(client.correlation_id)) == client.correlation_id


def test_uses_the_given_correlation_id_and_a_new_one_per_client(make_client):
    run_id = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"

    assert make_client(correlation_id=run_id).correlation_id == run_id
    assert make_client().correlation_id != make_client().correlation_id


def test_rejects_a_correlation_id_that_is_not_a_uuid():
    with pytest.raises(ValueError, match="correlation_id must be a UUID"):
        CloudCockpitClient(make_settings(), correlation_id="run-42")


def test_reseller_context_reads_each_customer_of_the_reseller(api, token_endpoint, make_client):
    customers = [customer(1), customer(2), customer(3)]
    customers_route = api.get(CUSTOMERS).mock(side_effect=paged(customers))
    per_customer = {
        customers[0]["id"]: [subscription(n, customerId=None, resellerId=None) for n in range(3)],
        customers[1]["id"]: [],
        customers[2]["id"]: [subscription(10, customerId=customers[2]["id"], resellerId=RESELLER)],
    }
    routes = {
        cid: api.get(f"{API_URL}v1/customers/{cid}/subscriptions").mock(side_effect=paged(records))
        for cid, records in per_customer.items()
    }
    csp_route = api.get(SUBSCRIPTIONS)
    progress: list[tuple[int, int | None]] = []
    client = make_client(reseller_id=RESELLER, page_size=2)

    records = list(client.iter_subscriptions(on_page=lambda *args: progress.append(args)))

    assert client.context == "reseller"
    assert not csp_route.called
    assert customers_route.calls[0].request.url.params["resellerId"] == RESELLER
    for route in routes.values():
        assert route.called
        assert all(call.request.url.params["resellerId"] == RESELLER for call in route.calls)
    assert routes[customers[0]["id"]].call_count == 2  # three records at page size two
    assert [record.id for record in records] == [
        subscription(0)["id"],
        subscription(1)["id"],
        subscription(2)["id"],
        subscription(10)["id"],
    ]
    # Records without customer or reseller take them from the context they were read in.
    assert [record.customer_id for record in records] == [customers[0]["id"]] * 3 + [
        customers[2]["id"]
    ]
    assert {record.reseller_id for record in records} == {RESELLER}
    # Progress counts across customers; no total spans the several lists.
    assert progress == [(2, None), (3, None), (3, None), (4, None)]


def test_reseller_context_fails_on_a_subscription_seen_under_two_customers(
    api, token_endpoint, make_client
):
    api.get(CUSTOMERS).mock(side_effect=paged([customer(1), customer(2)]))
    for n in (1, 2):
        api.get(f"{API_URL}v1/customers/{customer(n)['id']}/subscriptions").mock(
            side_effect=paged([subscription(5)])
        )

    with pytest.raises(CloudCockpitError, match="already returned on GET v1/customers/"):
        list(make_client(reseller_id=RESELLER).iter_subscriptions())


def test_csp_context_lists_every_customer_without_reseller_filter(api, token_endpoint, make_client):
    route = api.get(CUSTOMERS).mock(side_effect=paged([customer(1), customer(2)]))
    client = make_client()

    read = list(client.iter_customers())
    list(client.iter_customers(reseller_id="r-9"))

    assert [c.company_name for c in read] == ["Customer 1", "Customer 2"]
    assert "resellerId" not in route.calls[0].request.url.params
    assert route.calls[1].request.url.params["resellerId"] == "r-9"


def test_lists_offers_with_required_filters_and_search(api, token_endpoint, make_client):
    offers = [
        {"id": f"o-{n}", "name": f"Offer {n}", "offerType": {"name": "License"}} for n in range(3)
    ]
    route = api.get(OFFERS).mock(
        side_effect=paged(offers, number_key="PageNumber", size_key="PageSize")
    )

    read = make_client(page_size=2).list_offers(
        "Commercial",
        ["License", "AzurePlan"],
        search="CFQ7TTC0LH18",
        search_field="ProviderOfferId",
    )

    assert [offer.id for offer in read] == ["o-0", "o-1", "o-2"]
    params = route.calls[0].request.url.params
    assert params["Segment"] == "Commercial"
    assert params["OfferTypes"] == "License|AzurePlan"
    assert params["SearchField"] == "ProviderOfferId"
    assert params["SearchValue"] == "CFQ7TTC0LH18"
    assert [call.request.url.params["PageNumber"] for call in route.calls] == ["1", "2"]
    assert route.calls[0].request.url.params["PageSize"] == "2"


def test_lists_offers_without_search_fields_when_not_searching(api, token_endpoint, make_client):
    route = api.get(OFFERS).mock(
        return_value=httpx.Response(200, json={"items": [], "totalCount": 0})
    )

    assert make_client().list_offers("Education", ["License"]) == []
    params = route.calls[0].request.url.params
    assert "SearchField" not in params
    assert "SearchValue" not in params


@pytest.mark.parametrize(
    ("segment", "offer_types", "message"),
    [
        ("Retail", ["License"], "segment must be one of"),
        ("Commercial", [], "non-empty list"),
        ("Commercial", "License", "non-empty list"),
        ("Commercial", ["License", "Hardware"], "unknown offer type"),
    ],
)
def test_list_offers_rejects_bad_filters_before_calling(
    api, make_client, segment, offer_types, message
):
    route = api.get(OFFERS)

    with pytest.raises(ValueError, match=message):
        make_client().list_offers(segment, offer_types)

    assert not route.called


def test_repr_shows_api_url_and_tenant_but_no_secret(api, token_endpoint, make_client):
    api.get(SUBSCRIPTIONS).mock(side_effect=paged([subscription(1)]))
    client = make_client()
    list(client.iter_subscriptions())

    text = repr(client)

    assert API_URL in text
    assert TENANT in text
    assert CLIENT_SECRET not in text
    assert token_value(1) not in text
    held = held_reprs(client)
    assert len(held) > 5  # the walk reached the session, token provider and settings
    for shown in held:
        assert CLIENT_SECRET not in shown
        assert token_value(1) not in shown


def test_secrets_and_tokens_stay_out_of_logs_and_errors(api, make_client, caplog):
    tokens = iter(
        [
            httpx.Response(200, json={"access_token": token_value(1), "expires_in": 3600}),
            httpx.Response(200, json={"access_token": token_value(2), "expires_in": 3600}),
            httpx.Response(
                401,
                json={
                    "error": "invalid_client",
                    # A badly behaved endpoint echoing what it got must still not leak it.
                    "error_description": f"client_secret '{CLIENT_SECRET}' is invalid",
                },
            ),
        ]
    )
    api.post(TOKEN_URL).mock(side_effect=lambda request: next(tokens))
    api.get(SUBSCRIPTIONS).mock(
        side_effect=[
            httpx.Response(503),
            httpx.ReadTimeout("read timed out"),
            httpx.Response(401),
            httpx.Response(
                401, json={"description": f"token {token_value(2)} refused", "statusCode": 401}
            ),
        ]
    )
    client = make_client(max_retries=3)
    errors: list[str] = []

    with caplog.at_level(logging.DEBUG):
        with pytest.raises(CloudCockpitAuthError) as refused:
            list(client.iter_subscriptions())
        errors.append(str(refused.value))
        errors.append(repr(refused.value.description))
        with pytest.raises(CloudCockpitAuthError) as bad_credentials:
            list(client.iter_subscriptions())
        errors.append(str(bad_credentials.value))
        errors.append(repr(bad_credentials.value.description))

    assert client.retries_made == 2
    assert "***" in errors[0]
    assert "***" in errors[2]
    captured = caplog.text + "\n".join(errors) + repr(client)
    for secret in (CLIENT_SECRET, token_value(1), token_value(2)):
        assert secret not in captured
    assert "retry 1 of 3" in caplog.text  # the logs were captured at all


def test_sends_every_call_through_an_injected_transport(clock):
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url.path}")
        if request.url.path.endswith("/token"):
            return httpx.Response(200, json={"access_token": token_value(1), "expires_in": 3600})
        return httpx.Response(200, json={"items": [subscription(1)], "totalCount": 1})

    with CloudCockpitClient.from_settings(
        make_settings(), transport=httpx.MockTransport(handler), clock=clock, sleep=clock.sleep
    ) as client:
        records = list(client.iter_subscriptions())

    assert [record.id for record in records] == [subscription(1)["id"]]
    assert seen == [
        "POST /contoso-tenant/oauth2/v2.0/token",
        "GET /v1/subscriptions",
    ]
